"""FastAPI served by Gunicorn with uvicorn-worker's UvicornWorker."""
