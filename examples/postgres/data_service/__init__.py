"""A data service on PostgreSQL with psycopg, cryptography, lxml, orjson and pydantic."""
