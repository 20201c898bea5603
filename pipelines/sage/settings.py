"""How each Sage table is loaded: strategy, key, incremental column, batch size.

One entry per table of the catalogue (`sandbox/sage/catalogue.py`, the contract with the
test company and the generator). Three strategies:

- ``incremental`` — `JCT_CURRENT__TRANSACTION`: read only ``"Run" >= <highest Run in the
  warehouse>``. Sage posts job-cost transactions in runs and gives each run the next run
  number when it is posted, so Run is monotonic in posting order; a posted transaction is
  never edited (corrections are new postings in a new run). The last run is read again
  (``>=``, one run of overlap) so a run that was still being posted during the previous
  sync is completed; rows already in the warehouse are skipped by key (Run, Sequence).
  `Accounting_Date` is *not* used: a transaction posted today may carry an accounting date
  in any open earlier month, so a date high-water mark misses back-dated postings unless
  the overlap spans every open period.
- ``snapshot`` — every other keyed table (masters, AP invoices and distributions, AR
  activity, contracts, WIP outputs): each sync reads the whole table, hashes every row and
  compares with the hashes stored in the warehouse (`_tieout_row_hash`). Only new and
  changed rows are merged (delete-insert on the catalogue key); keys in the warehouse that
  Sage no longer has are deleted (dlt `hard_delete` marker `_tieout_deleted`). AP invoices,
  distributions and AR activity change after posting (payments, retainage release) and
  carry no change column Sage maintains, so they are snapshots too.
- ``replace`` — tables without a key (`APM_MASTER__AP_CONTROLS`, one settings row): the
  table is replaced on every sync.

`full=True` replaces every table (a clean reload).
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.sage.catalogue import TABLES, Table

INCREMENTAL = "incremental"
SNAPSHOT = "snapshot"
REPLACE = "replace"

DEFAULT_BATCH_SIZE = 10_000
"""Rows per `fetchmany` and per item handed to dlt (override: `sources.sage.batch_size`)."""

MONEY_PRECISION, MONEY_SCALE = 18, 2
"""Money lands as DECIMAL(18, 2): up to 9,999,999,999,999,999.99."""

ROW_HASH = "_tieout_row_hash"
"""BIGINT: first 8 bytes of BLAKE2b over the row's converted values (snapshot tables)."""
DELETED = "_tieout_deleted"
"""dlt `hard_delete` column: true only on the delete markers of a load; never stored."""


@dataclass(frozen=True)
class TableStrategy:
    table: Table
    strategy: str
    cursor: str | None = None  # incremental column (high-water mark)
    batch_size: int = DEFAULT_BATCH_SIZE

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def key(self) -> tuple[str, ...]:
        return self.table.key


_INCREMENTAL: dict[str, tuple[str, int]] = {
    # table: (cursor column, batch size)
    "JCT_CURRENT__TRANSACTION": ("Run", 20_000),
}


def _strategy(table: Table) -> TableStrategy:
    if table.name in _INCREMENTAL:
        cursor, batch = _INCREMENTAL[table.name]
        return TableStrategy(table, INCREMENTAL, cursor, batch)
    if not table.key:
        return TableStrategy(table, REPLACE)
    return TableStrategy(table, SNAPSHOT)


STRATEGIES: dict[str, TableStrategy] = {t.name: _strategy(t) for t in TABLES}
"""Every catalogue table, in catalogue order (company set-up, masters, transactions)."""
