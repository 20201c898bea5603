"""The import-file connector: Sage 300 CRE import files for a real installation.

- `connector.ImportFileConnector` — validate / submit / lookup / confirm (module doc).
- `layouts` — the record layouts of reference §5 (API/APD, .jcc C/CI/CCO/CCOI, .jce),
  shared with the sandbox's import stand-in (sandbox/sage/importer.py).
- `formats` — outbound records → file lines; `filesets` — atomic file sets + manifests.
"""

from writers.connectors.import_files.connector import ImportFileConnector, confirm_spec
from writers.connectors.import_files.layouts import DEFAULT_DATE_FORMAT

__all__ = ["DEFAULT_DATE_FORMAT", "ImportFileConnector", "confirm_spec"]
