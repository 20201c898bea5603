"""Sage connectors: implementations of `writers.connector.Connector`.

- `test_company.TestCompanyConnector` (`name = "test-company"`) — the local test company
  (sandbox/sage): Sage's validation and posting, applied through a writable ODBC
  connection. The default of `tieout write`.
- `import_files.ImportFileConnector` (`name = "import_files"`) — for a real Sage
  installation, whose ODBC driver is read-only: the same validation read through a
  read-only connection, then Sage import files (API/APD, .jcc, .jce; a set-up worksheet
  for vendors, which Sage cannot import) in an import folder that Sage's Tools → Import
  takes; a manifest per file set makes it idempotent, `confirm` reads the records back
  over ODBC. `tieout write --connector import-files [--out DIR]`. The sandbox's
  `sandbox/sage/importer.py` plays Sage's import for the test company.
- `records` — reading outbound records (header + child rows) from `marts.outbound_*`.

writers/README.md compares the two.
"""
