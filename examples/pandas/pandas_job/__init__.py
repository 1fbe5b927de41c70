"""CSV -> groupby -> Parquet -> read back -> checksum."""
