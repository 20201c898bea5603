"""The Sage 300 CRE test company: a SQLite file read through unixODBC, named like Sage.

Entry points (see README.md): `company.materialise` builds it from a scenario's
`sage/*.csv`; `odbc.connection_string` / `odbc.register_dsn` / `odbc.connect` reach it;
`reader.stream` reads it with portable SQL; `masks` parses TS_CTL_RECORD_3 formats.
Nothing is imported here, so importing the package never needs unixODBC.
"""
