"""In-memory Procore data: per resource, records by id plus an index by scope.

Loaded from a scenario's `procore/<resource>.json` files; mutable at runtime (upsert,
patch, touch, soft/hard delete) so extractor tests can change N records and re-sync.
Records are copy-on-write: a mutation stores a new dict, never edits one in place, so a
reader holding a list from `query()` sees a consistent snapshot while writers proceed.
Every change bumps `updated_at` to the emulator clock (in the field's own format: a
date-only field stays date-only).
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sandbox.procore import jsonio
from sandbox.procore.clock import Clock
from sandbox.procore.resources import RESOURCE_SCOPE

SCOPE = "_scope"
UPDATED_AT = "updated_at"
CREATED_AT = "created_at"
DELETED_AT = "deleted_at"
CACHE_SIZE = 512  # sorted query results kept (per resource + scope)


class StoreError(ValueError):
    """A record or request the store cannot accept; the message says why."""


def record_key(value: Any) -> str:
    """Ids arrive as ints (v1 JSON), strings (v2 JSON, URL paths) or Decimals; key by text."""
    return str(value)


def sort_key(record: Mapping[str, Any]) -> tuple:
    """Ascending id, numeric when possible, id-less rows (budget detail rows) last."""
    rid = record.get("id")
    if rid is None:
        return (2, 0, "")
    try:
        return (0, int(str(rid)), "")
    except ValueError:
        return (1, 0, str(rid))


class Store:
    """Thread-safe record store keyed by resource and id, indexed by `_scope` values."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self._lock = threading.RLock()
        self._records: dict[str, dict[str, dict]] = {}
        self._index: dict[str, dict[tuple[str, str], set[str]]] = {}
        self._fields: dict[str, set[str]] = {}  # every key any record of the resource had
        self._max_id: dict[str, int] = {}
        self._version: dict[str, int] = {}  # bumped on every change to a resource
        self._cache: OrderedDict[tuple, tuple[int, list[dict]]] = OrderedDict()
        self._seq = 0
        self._source: Path | None = None

    # --- loading ---------------------------------------------------------------------
    @classmethod
    def from_dir(cls, procore_dir: Path, clock: Clock | None = None) -> Store:
        store = cls(clock)
        store.load_dir(procore_dir)
        return store

    def load_dir(self, procore_dir: Path) -> None:
        """Replace everything with the scenario's files (missing files = no records)."""
        procore_dir = Path(procore_dir)
        with self._lock:
            self._clear()
            self._source = procore_dir
            for path in sorted(procore_dir.glob("*.json")):
                data = jsonio.load_file(path)
                if not isinstance(data, list):
                    raise StoreError(f"{path}: expected a JSON array of records")
                try:
                    self.load(path.stem, data)
                except StoreError as exc:
                    raise StoreError(f"{path}: {exc}") from exc

    def reload(self) -> None:
        """Back to the scenario as loaded (used by `/_admin/reset`)."""
        with self._lock:
            if self._source is not None:
                self.load_dir(self._source)
            else:
                self._clear()

    def load(self, resource: str, records: Iterable[Mapping[str, Any]]) -> None:
        """Add records as-is (no timestamp bump): this is the scenario's starting state.

        Records of a registry resource must carry every `_scope` key the registry names
        (`resources.RESOURCE_SCOPE`); a record without them could never be served.
        """
        required = RESOURCE_SCOPE.get(resource, ())
        with self._lock:
            for n, record in enumerate(records):
                if not isinstance(record, Mapping):
                    raise StoreError(f"record {n} is not an object")
                scope = record.get(SCOPE)
                missing = [
                    k for k in required if not isinstance(scope, Mapping) or scope.get(k) is None
                ]
                if missing:
                    raise StoreError(
                        f"{resource} record {n} (id {record.get('id')!r}) has no `_scope` "
                        f"value for {missing}"
                    )
                self._put(resource, dict(record))

    def _clear(self) -> None:
        self._cache.clear()
        self._version.clear()
        self._records.clear()
        self._index.clear()
        self._fields.clear()
        self._max_id.clear()

    @property
    def lock(self) -> threading.RLock:
        """Held by a caller that must read and change several records as one step (a
        sync batch checking origin_id uniqueness); re-entrant, so store calls inside work."""
        return self._lock

    # --- reading ---------------------------------------------------------------------
    def resources(self) -> dict[str, int]:
        with self._lock:
            return {name: len(rows) for name, rows in sorted(self._records.items())}

    def get(self, resource: str, record_id: Any) -> dict | None:
        """The stored record (with `_scope`), or None. Treat it as read-only."""
        with self._lock:
            return self._records.get(resource, {}).get(record_key(record_id))

    def query(self, resource: str, scope: Mapping[str, Any] | None = None) -> list[dict]:
        """Records whose `_scope` matches every given key, sorted by id ascending.

        Results are cached per (resource, scope) until the resource changes, so walking
        the pages of a large list sorts it once. Callers must not mutate the list.
        """
        pairs = tuple(sorted((k, record_key(v)) for k, v in (scope or {}).items()))
        with self._lock:
            version = self._version.get(resource, 0)
            cached = self._cache.get((resource, pairs))
            if cached is not None and cached[0] == version:
                self._cache.move_to_end((resource, pairs))
                return cached[1]
            rows = self._records.get(resource, {})
            if pairs:
                index = self._index.get(resource, {})
                hits = sorted((index.get(pair, set()) for pair in pairs), key=len)
                keys = hits[0].intersection(*hits[1:])
                chosen = [rows[k] for k in keys]
            else:
                chosen = list(rows.values())
            result = sorted(chosen, key=sort_key)
            self._cache[(resource, pairs)] = (version, result)
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            return result

    def has_field(self, resource: str, name: str) -> bool:
        """Whether this resource's records carry `name` (decides if touch sets updated_at)."""
        with self._lock:
            return name in self._fields.get(resource, ())

    def next_id(self, resource: str) -> int:
        """One above the highest integer id the resource has ever held."""
        with self._lock:
            return self._max_id.get(resource, 0) + 1

    # --- changing --------------------------------------------------------------------
    def upsert(self, resource: str, record: Mapping[str, Any]) -> dict:
        """Insert or replace one record; bumps `updated_at` (and sets `created_at` if new).

        `_scope` may be omitted when replacing an existing record (the old one is kept);
        a record without an `id` key gets the next free integer id (`"id": null` stays
        id-less, like unbudgeted budget detail rows).
        """
        with self._lock:
            new = copy.deepcopy(dict(record))
            if "id" not in new:
                new["id"] = self.next_id(resource)
            rows = self._records.get(resource, {})
            old = rows.get(record_key(new["id"])) if new["id"] is not None else None
            if SCOPE not in new:
                if old is None:
                    raise StoreError(
                        f"{resource}: a new record needs `_scope` with keys "
                        f"{list(RESOURCE_SCOPE.get(resource, ()))}"
                    )
                new[SCOPE] = dict(old[SCOPE])
            if old is None and CREATED_AT not in new and self.has_field(resource, CREATED_AT):
                new[CREATED_AT] = self._stamp(None)
            self._bump(resource, new, old)
            self._put(resource, new)
            return new

    def update(self, resource: str, record_id: Any, changes: Mapping[str, Any]) -> dict:
        """Merge top-level `changes` into a record; bumps `updated_at`."""
        with self._lock:
            old = self._require(resource, record_id)
            new = {**copy.deepcopy(old), **copy.deepcopy(dict(changes))}
            new["id"] = old["id"]
            self._bump(resource, new, old, force=UPDATED_AT not in changes)
            self._put(resource, new)
            return new

    def touch(self, resource: str, ids: Iterable[Any]) -> list[dict]:
        """Bump `updated_at` of each record to now, changing nothing else."""
        with self._lock:
            return [self.update(resource, rid, {}) for rid in ids]

    def soft_delete(self, resource: str, ids: Iterable[Any]) -> list[dict]:
        """Set `deleted_at` (and bump `updated_at`): hidden unless include_deleted is asked."""
        with self._lock:
            return [self.update(resource, rid, {DELETED_AT: self.clock.iso()}) for rid in ids]

    def restore(self, resource: str, ids: Iterable[Any]) -> list[dict]:
        """Undo a soft delete."""
        with self._lock:
            return [self.update(resource, rid, {DELETED_AT: None}) for rid in ids]

    def hard_delete(self, resource: str, ids: Iterable[Any]) -> int:
        """Remove records outright: they vanish from every list, as Procore hard deletes do."""
        with self._lock:
            removed = 0
            rows = self._records.get(resource, {})
            for rid in ids:
                key = record_key(rid)
                record = rows.pop(key, None)
                if record is None:
                    continue
                removed += 1
                self._changed(resource)
                for pair in self._pairs(record):
                    self._index[resource].get(pair, set()).discard(key)
            return removed

    # --- internals -------------------------------------------------------------------
    def _require(self, resource: str, record_id: Any) -> dict:
        record = self._records.get(resource, {}).get(record_key(record_id))
        if record is None:
            raise KeyError(f"{resource} {record_id} not found")
        return record

    def _stamp(self, like: Any) -> str:
        """Now, as a date if the value it replaces was a bare date, else a timestamp."""
        if isinstance(like, str) and len(like) == 10:
            return self.clock.date()
        return self.clock.iso()

    def _bump(self, resource: str, new: dict, old: dict | None, *, force: bool = True) -> None:
        if not force:
            return
        if (
            UPDATED_AT in new
            or (old is not None and UPDATED_AT in old)
            or self.has_field(resource, UPDATED_AT)
        ):
            new[UPDATED_AT] = self._stamp((old or new).get(UPDATED_AT))

    def _pairs(self, record: Mapping[str, Any]) -> list[tuple[str, str]]:
        scope = record.get(SCOPE) or {}
        return [(k, record_key(v)) for k, v in scope.items() if v is not None]

    def _changed(self, resource: str) -> None:
        self._version[resource] = self._version.get(resource, 0) + 1

    def _put(self, resource: str, record: dict) -> None:
        if SCOPE in record and not isinstance(record[SCOPE], dict):
            raise StoreError(f"{resource}: `_scope` must be an object")
        self._changed(resource)
        record.setdefault(SCOPE, {})
        rows = self._records.setdefault(resource, {})
        index = self._index.setdefault(resource, {})
        self._fields.setdefault(resource, set()).update(record)
        if record.get("id") is None:
            self._seq += 1
            key = f"_row{self._seq}"
        else:
            key = record_key(record["id"])
            if key.isdigit() and int(key) > self._max_id.get(resource, 0):
                self._max_id[resource] = int(key)
        old = rows.get(key)
        if old is not None:
            for pair in self._pairs(old):
                index.get(pair, set()).discard(key)
        rows[key] = record
        for pair in self._pairs(record):
            index.setdefault(pair, set()).add(key)
