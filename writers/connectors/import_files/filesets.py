"""One batch = one file set in the import folder, committed atomically, with a manifest.

A file set is staged in a hidden folder `out_dir/.staging-<stem>/` (Sage's import and the
importing macro only look at files directly in `out_dir`): every data file is written and
fsynced there, then `manifest.json` is written (temp file + rename) — **the commit
point**. Afterwards each file is renamed into `out_dir` (same file system: atomic per
file) and the manifest last, as `<stem>.manifest.json`.

- A crash before the commit point leaves only a staging folder without manifest: it is
  deleted on the next call (`recover`), nothing was visible, nothing counts as written.
- A crash after it leaves a staging folder with a manifest: `recover` finishes the
  renames (roll forward), so the records are written exactly once.
- Stray `*.tmp` files are never listed, imported or read as manifests.

The manifest lists each record's idempotency key, object type, sage_key, file and lines,
and what `confirm` compares in Sage; `written_keys` reads every manifest in `out_dir`
(and committed staging folders), which is how a key is never written twice.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from writers.connectors.import_files.layouts import ENCODING, NEWLINE

MANIFEST_SUFFIX = ".manifest.json"
STAGING_PREFIX = ".staging-"
STAGED_MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `path` through `path.tmp` + fsync + rename: readers see all or nothing."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def encode_lines(lines: Sequence[str]) -> bytes:
    return "".join(line + NEWLINE for line in lines).encode(ENCODING)


def commit(out_dir: Path, stem: str, files: Mapping[str, bytes], manifest: dict[str, Any]) -> None:
    """Stage `files` (name → bytes) and the manifest, then move them into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = out_dir / f"{STAGING_PREFIX}{stem}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    for name, data in files.items():
        write_atomic(staging / name, data)
    _fsync_dir(staging)
    write_atomic(staging / STAGED_MANIFEST, json.dumps(manifest, indent=1).encode())
    _fsync_dir(staging)
    _roll_forward(out_dir, staging)


def _roll_forward(out_dir: Path, staging: Path) -> None:
    manifest = json.loads((staging / STAGED_MANIFEST).read_text())
    for name in manifest["files"]:
        if (staging / name).exists():
            os.replace(staging / name, out_dir / name)
    _fsync_dir(out_dir)
    os.replace(staging / STAGED_MANIFEST, out_dir / f"{manifest['stem']}{MANIFEST_SUFFIX}")
    _fsync_dir(out_dir)
    shutil.rmtree(staging, ignore_errors=True)


def recover(out_dir: Path) -> None:
    """Finish committed file sets, drop uncommitted ones (see module doc)."""
    if not out_dir.is_dir():
        return
    for staging in sorted(out_dir.glob(f"{STAGING_PREFIX}*")):
        if not staging.is_dir():
            continue
        if (staging / STAGED_MANIFEST).is_file():
            _roll_forward(out_dir, staging)
        else:
            shutil.rmtree(staging, ignore_errors=True)


def manifests(out_dir: Path) -> Iterator[dict[str, Any]]:
    """Every committed manifest in `out_dir` (staged-and-committed ones included)."""
    if not out_dir.is_dir():
        return
    paths = sorted(out_dir.glob(f"*{MANIFEST_SUFFIX}"))
    paths += sorted(out_dir.glob(f"{STAGING_PREFIX}*/{STAGED_MANIFEST}"))
    for path in paths:
        with contextlib.suppress(FileNotFoundError):  # rolled forward meanwhile
            yield json.loads(path.read_text())


def written_keys(out_dir: Path) -> dict[str, dict[str, Any]]:
    """idempotency key → its manifest entry (plus `stem`, `manifest`)."""
    found: dict[str, dict[str, Any]] = {}
    for manifest in manifests(out_dir):
        for entry in manifest["records"]:
            found.setdefault(
                entry["idempotency_key"],
                {**entry, "stem": manifest["stem"], "manifest": manifest["stem"] + MANIFEST_SUFFIX},
            )
    return found
