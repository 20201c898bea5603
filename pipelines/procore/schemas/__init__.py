"""Package data: `fields.json`, the typed fields per Procore table (see SOURCE.md)."""
