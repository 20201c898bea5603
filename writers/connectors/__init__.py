"""Sage connectors: implementations of `writers.connector.Connector`.

- `test_company.TestCompanyConnector` — the local test company (sandbox/sage): Sage's
  validation and posting, applied through a writable ODBC connection.
- `records` — reading outbound records (header + child rows) from `marts.outbound_*`.
"""
