"""`python -m orchestration` runs the tieout CLI (the tests use it)."""

from orchestration.cli import app

app(prog_name="tieout")
