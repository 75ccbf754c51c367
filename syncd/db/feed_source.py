"""Reading a feed's view: new rows (anti-join against ``sync_status``), rows by key, child rows.

Change detection never relies on a bare "max id seen" watermark, which misses rows that commit
late.  A row is *new* while ``sync_status`` has no row for (feed, key[, version]):

    SELECT … FROM <view> v
    WHERE NOT EXISTS (SELECT 1 FROM wi_sync_status s
                      WHERE s.feed = :feed AND s.source_key = <key of v>
                        [AND s.version = <version of v>])
    [AND v.<watermark> >= :since]

The key and version are cast to text *by the database* and stored as it renders them, so the
comparison is exact on every dialect.  The unique index on (feed, source_key, version) makes
each probe an index lookup.  For very large views an optional **watermark** (a column that
grows: a timestamp or an id) limits the scan to rows at or after the highest value seen minus
a **look-back window**; rows committing late inside the window are still found by the
anti-join; the first poll of a process scans the whole view, and so does one poll every
``full_scan_s`` (default 15 minutes), which finds a row that committed after its window.

Identifiers come from validated mapping files and are emitted unquoted (``quoted_name(…,
quote=False)``): case-insensitive on PostgreSQL/Oracle/SQL Server, as written on MySQL.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import quoted_name

from syncd.core.errors import SourceError
from syncd.core.records import SourceRow, Watermark
from syncd.db.engine import reading, source_errors
from syncd.db.idlist import chunk_size, ids_in, keys_in
from syncd.db.schema import StagingTables
from syncd.db.views import ViewInfo, split_name
from syncd.mapping.spec import DatasetSpec, FeedSpec

KEY_LABEL, VERSION_LABEL = "syncd_key", "syncd_version"
_TEXT = sa.String(200)
NO_VERSION = "-"  # a versioned row whose version column is NULL


def unquoted(name: str) -> quoted_name:
    return quoted_name(name, quote=False)


def view_table(name: str, columns: Iterable[str]) -> sa.TableClause:
    schema, _, table = name.rpartition(".")
    cols: list[sa.ColumnClause[Any]] = [sa.column(unquoted(c)) for c in sorted(set(columns))]
    return sa.table(unquoted(table), *cols, schema=unquoted(schema) if schema else None)


class FeedSource:
    """The view of one fact-view feed."""

    def __init__(
        self,
        engine: sa.Engine,
        tables: StagingTables,
        spec: FeedSpec,
        watermark: Watermark | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        assert spec.source.view is not None, "a command feed has no view"
        self.engine, self.tables, self.spec, self.watermark = engine, tables, spec, watermark
        extra = {watermark.column} if watermark else set()
        self.columns = sorted(spec.columns() | extra)
        self.view = view_table(spec.source.view, self.columns)
        self._high: Any = None  # the highest watermark value seen by this process
        self._monotonic = monotonic
        self._full_since: float | None = None  # when the last complete full scan started
        self._key_type: Any = _UNKNOWN  # the key column's type, asked once (_integer_key)

    def _key(self) -> sa.ColumnElement[Any]:
        parts = [sa.cast(self.view.c[c], _TEXT) for c in self.spec.source.key]
        expr: sa.ColumnElement[Any] = parts[0]
        for part in parts[1:]:
            expr = expr.concat("/").concat(part)
        return expr

    def _version(self) -> sa.ColumnElement[Any]:
        column = self.spec.source.version
        if column is None:
            return sa.literal("", _TEXT)
        return sa.func.coalesce(sa.cast(self.view.c[column], _TEXT), NO_VERSION)

    def _select(self, columns: Sequence[str] | None = None) -> sa.Select[Any]:
        labelled = [self.view.c[c].label(c) for c in (self.columns if columns is None else columns)]
        return sa.select(
            self._key().label(KEY_LABEL), self._version().label(VERSION_LABEL), *labelled
        )

    def _found_columns(self) -> list[str]:
        """What recording a new row needs besides key and version: the visit column and the
        watermark column (the values are read again by key when the row is sent)."""
        wanted = {self.watermark.column.casefold()} if self.watermark else set()
        if self.spec.visit is not None and self.spec.visit.column is not None:
            wanted.add(self.spec.visit.column.casefold())
        return [c for c in self.columns if c.casefold() in wanted]

    def discover(self, limit: int) -> list[SourceRow]:
        """Rows with no ``sync_status`` row yet (oldest watermark first when there is one):
        key, version, and the visit and watermark columns only."""
        started, full = self._monotonic(), self.full_scan_due()
        rows = self._fetch(self.discover_statement(limit, full=full), "discovering new rows")
        if full and len(rows) < limit:  # it saw every new row: windowed scans may follow
            self._full_since = started
        self._remember_high(rows)
        return rows

    def full_scan_due(self) -> bool:
        """True without a watermark, at start-up, until a full scan completed (found fewer
        rows than its limit), and again ``full_scan_s`` after the last complete one."""
        if self.watermark is None or self._full_since is None or self._high is None:
            return True
        return self._monotonic() - self._full_since >= self.watermark.full_scan_s

    def discover_statement(self, limit: int, *, full: bool = False) -> sa.Select[Any]:
        """The anti-join (plus the watermark window unless ``full``)."""
        s = self.tables.sync_status
        known = sa.select(sa.literal(1)).where(
            s.c.feed == self.spec.feed, s.c.source_key == self._key()
        )
        if self.spec.source.version is not None:
            known = known.where(s.c.version == self._version())
        new = self._select(self._found_columns()).where(~sa.exists(known))
        if self.watermark is not None and not full and self._high is not None:
            column = self.view.c[self.watermark.column]
            window = new.where(column >= _minus(self._high, self.watermark.lookback))
            return window.order_by(column).limit(limit)  # oldest first: the rest is above
        return self._whole(new, limit)

    def _whole(self, new: sa.Select[Any], limit: int) -> sa.Select[Any]:
        """The search of the whole view, in no order (a search cut by its limit is followed
        by whole ones until one completes: :meth:`full_scan_due`).  On PostgreSQL 12+ the
        anti-join is a ``MATERIALIZED`` CTE, planned for every row: with the limit in view the
        planner, misjudging the join of a cast key, walked the view and probed sync_status
        row by row (6-9 s at 1,000,000 rows) instead of hashing it (≈ 0.5-1 s); the CTE is
        still read only up to the limit.  Before 12 every CTE is planned that way."""
        if self.engine.dialect.name != "postgresql":
            return new.limit(limit)
        version = self.engine.dialect.server_version_info or (0,)
        cte = new.cte("syncd_new")
        if version >= (12,):
            cte = cte.prefix_with("MATERIALIZED")
        return sa.select(cte).limit(limit)

    def _remember_high(self, rows: Sequence[SourceRow]) -> None:
        if self.watermark is None:
            return
        values = [r.values[self.watermark.column] for r in rows]
        values = [v for v in values if v is not None]
        if not values and self._high is None:
            self._high = self._max_watermark()
        elif values:
            top = max(values)  # type: ignore[type-var]
            self._high = top if self._high is None else max(self._high, top)

    def _max_watermark(self) -> Any:
        assert self.watermark is not None
        stmt = sa.select(sa.func.max(self.view.c[self.watermark.column]))
        with source_errors(self.engine.url, "reading the watermark"), reading(self.engine) as c:
            return c.execute(stmt).scalar()

    def by_keys(self, keys: Sequence[str]) -> dict[str, SourceRow]:
        """The current view rows of ``keys`` (a key missing from the view is absent)."""
        found: dict[str, SourceRow] = {}
        size = chunk_size(self.engine.dialect)  # PostgreSQL: ≤ 65,535 parameters a statement
        for start in range(0, len(keys), size):
            stmt, bound = self.by_keys_statement(list(keys[start : start + size]))
            found.update((r.key, r) for r in self._fetch(stmt, "reading rows by key", bound))
        return found

    def by_keys_statement(self, keys: list[str]) -> tuple[sa.Select[Any], Sequence[object]]:
        """The statement of :meth:`by_keys` and what it binds as ``keys``.  A key of one
        integer column is compared as the column is, so an index on it serves (the text of
        the key, ``CAST(FEE_ID AS …)``, would make the database read the whole view for every
        claim on PostgreSQL, Oracle and SQL Server); any other key as its text."""
        column = self._integer_key()
        if column is not None:
            numbers = _integers(keys)
            if numbers is not None:
                return self._select().where(ids_in(self.view.c[column], "keys")), numbers
        return self._select().where(keys_in(self._key(), "keys")), keys

    def _integer_key(self) -> str | None:
        """The key's column when the key is one column the view declares an integer (asked
        of the database once; None when it cannot say)."""
        key, view = self.spec.source.key, self.spec.source.view
        if self._key_type is _UNKNOWN:
            self._key_type = None
            if len(key) == 1 and view is not None:
                with contextlib.suppress(SourceError):  # it cannot say: the key's text
                    self._key_type = key_type(self.engine, view, key[0])
        return key[0] if self._key_type is not None and _is_integer(self._key_type) else None

    def of_visit(self, visit: object) -> list[SourceRow]:
        """The view's rows of one visit (its visit column equal to ``visit``), in the
        batch's row order: what a dry run of a batch feed shows."""
        assert self.spec.visit is not None and self.spec.visit.column is not None
        order = self.spec.batch.order_by if self.spec.batch else ()
        stmt = self._select().where(self.view.c[self.spec.visit.column] == visit)
        stmt = stmt.order_by(*(self.view.c[c] for c in order))
        return self._fetch(stmt, "reading the rows of a visit")

    def children(self, dataset: DatasetSpec, row: Mapping[str, object]) -> list[dict[str, object]]:
        return child_rows(self.engine, dataset, row)

    def _fetch(
        self, stmt: sa.Select[Any], doing: str, keys: Sequence[object] | None = None
    ) -> list[SourceRow]:
        """The rows of ``stmt`` (``keys``: bound as its ``keys``), each as its key, version
        and the other columns by name (every statement here selects key and version first)."""
        doing = f"{doing} of {self.spec.source.view}"
        with source_errors(self.engine.url, doing), reading(self.engine) as conn:
            result = conn.execute(stmt, None if keys is None else {"keys": keys})
            names = list(result.keys())[2:]
            rows = result.all()
        return [_source_row(row, names) for row in rows]


_UNKNOWN = object()


def key_type(engine: sa.Engine, view: str, column: str) -> Any:
    """The type the database declares for ``view``'s ``column`` (None if it has no such):
    the view asked for as the mapping spells it, in upper and in lower case (what an unquoted
    name becomes on Oracle and on PostgreSQL) — not every name of the schema listed."""
    schema, name = split_name(view)
    with source_errors(engine.url, f"inspecting {view}"), engine.connect() as conn:
        inspector = sa.inspect(conn)
        for spelling in dict.fromkeys((name, name.upper(), name.lower())):
            try:
                columns = inspector.get_columns(spelling, schema)
            except sa.exc.NoSuchTableError:
                continue
            info = ViewInfo(spelling, schema, {str(c["name"]): c["type"] for c in columns})
            found = info.column(column)  # the one case-blind column match
            return None if found is None else info.columns[found]
    return None


def _is_integer(kind: Any) -> bool:
    """INTEGER, BIGINT, … and NUMBER(p, 0) / NUMERIC(p, 0) (Oracle's integer columns)."""
    if isinstance(kind, sa.Integer):
        return True
    return isinstance(kind, sa.Numeric) and getattr(kind, "scale", None) == 0


def _integers(keys: Sequence[str]) -> list[int] | None:
    """The keys as the integers their text came from (``CAST(n AS text)``), or None."""
    try:
        numbers = [int(k) for k in keys]
    except ValueError:
        return None
    return numbers if [str(n) for n in numbers] == list(keys) else None


def _source_row(row: Sequence[Any], names: Sequence[str]) -> SourceRow:
    key, version = str(row[0]), row[1]
    values = dict(zip(names, row[2:], strict=True))
    return SourceRow(key, "" if version is None else str(version), values)


def _minus(value: Any, lookback: float) -> Any:
    if isinstance(value, datetime):
        return value - timedelta(seconds=lookback)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value - type(value)(lookback)
    if isinstance(value, Decimal):  # a NUMBER column read as a decimal (Oracle)
        return value - Decimal(str(lookback))
    return value


def child_rows(
    engine: sa.Engine, dataset: DatasetSpec, parent: Mapping[str, object]
) -> list[dict[str, object]]:
    """Rows of a dataset's child view joined to ``parent`` (row columns or command params)."""
    assert dataset.view is not None
    view = view_table(dataset.view, dataset.columns())
    stmt = sa.select(*[view.c[c].label(c) for c in sorted(dataset.columns())])
    for child, parent_name in dataset.join.items():
        stmt = stmt.where(view.c[child] == _lookup(parent, parent_name))
    stmt = stmt.order_by(*[view.c[c] for c in dataset.order_by])
    with source_errors(engine.url, f"reading {dataset.view}"), reading(engine) as conn:
        return [dict(r) for r in conn.execute(stmt).mappings().all()]


def _lookup(values: Mapping[str, object], name: str) -> object:
    if name in values:
        return values[name]
    folded = name.casefold()
    return next((v for k, v in values.items() if str(k).casefold() == folded), None)


def load_code_tables(engine: sa.Engine, tables: StagingTables) -> dict[str, dict[str, str]]:
    """Code tables synchronised from 码表服务: category aaa100 → {code: code} (known codes)."""
    c = tables.code.c
    stmt = sa.select(c.aaa100, c.aaa102)
    out: dict[str, dict[str, str]] = {}
    with source_errors(engine.url, "reading code tables"), reading(engine) as conn:
        for category, code in conn.execute(stmt):
            out.setdefault(str(category), {})[str(code)] = str(code)
    return out


class ChildViews:
    """The child views of any mapping's datasets (a command's rows, by its parameters)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def children(
        self, dataset: DatasetSpec, parent: Mapping[str, object]
    ) -> list[dict[str, object]]:
        return child_rows(self.engine, dataset, parent)
