"""Data-quality checks from ODCS contracts: rule parsing, safe execution on DuckDB, scoring."""
