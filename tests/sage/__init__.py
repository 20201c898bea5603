"""Sage 300 CRE test company tests (real pyodbc over unixODBC and the SQLite3 driver)."""
