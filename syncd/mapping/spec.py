"""The mapping file of one feed, as frozen pydantic models (``extra="forbid"``).

A feed reads rows from a DBA-owned view (or commands from the ``WI_REQUEST`` table), turns
each into one platform call, and says what of the reply is written back::

    # yaml-language-server: $schema=../schema.json
    description: 入院登记
    source: {view: V_WI_ADMISSION, key: ADMISSION_ID, version: UPDATED_AT}
    function_id: bizh120103
    visit: {column: VISIT_NO}
    requires: {visit: {kind: INPATIENT, state: NONE}}
    fields:
      akb020: {setting: hospital.akb020}
      aac001: {column: PERSON_NO, required: true}
    writeback: {aaz218: AAZ218}

The later database step needs, per feed: the view, its key/version columns and every column
read (:meth:`FeedSpec.columns`), and per dataset the same plus the join and order columns.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from syncd.core.bilingual import zh_en
from syncd.mapping.rules import FieldRule, Model
from syncd.mapping.types import (
    Columns,
    FeedName,
    FieldCode,
    FunctionRef,
    Identifier,
    ParamName,
    ReplyPath,
    SettingPath,
    ViewColumn,
    VisitKindCode,
    VisitStateCode,
    as_tuple,
    fail,
)

PLATFORM_MAX_ROWS = 300
FieldRules = dict[FieldCode, FieldRule]


def _asks_person(rule: FieldRule) -> bool:
    return rule.person is not None or any(_asks_person(part) for part in rule.parts)


class WatermarkSpec(Model):
    """A column of the view that grows with its new rows (a sequence-numbered id, or a time
    the HIS sets on every insert and update): the search for new rows is limited to values at
    or after the highest seen minus ``lookback``.  A row that commits later than that, or
    enters the view late (a stay marked as a work injury after its fees were entered), is
    found by the full search at start-up and every ``polling.full_scan_s``."""

    column: ViewColumn = Field(description="e.g. FEE_ID (a sequence) or UPDATED_AT (a time)")
    lookback: float = Field(
        ge=0, description="how far back each limited search looks: a count for ids, seconds"
    )


class Source(Model):
    """Where rows come from: a view (``view`` + ``key``) or a command (``command``)."""

    view: Identifier | None = Field(None, description="the DBA's view, e.g. V_WI_ADMISSION")
    key: Annotated[tuple[ViewColumn, ...], BeforeValidator(as_tuple)] = Field(
        (), description="column(s) naming one row for good"
    )
    version: ViewColumn | None = Field(None, description="a column that changes when the row does")
    command: FeedName | None = Field(None, description="WI_REQUEST command name, e.g. lookup")
    params: Annotated[tuple[ParamName, ...], BeforeValidator(as_tuple)] = Field(
        (), description="parameters the HIS writes with the command"
    )
    watermark: WatermarkSpec | None = Field(
        None, description="a growing column limiting the search for new rows (large views)"
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Source:
        if (self.view is None) == (self.command is None):
            fail(
                zh_en(
                    "来源须为 'view' 或 'command' 之一",
                    "a source is either a 'view' or a 'command'",
                ),
                zh_en("写 view: 名称 或 command: 名称", "write view: NAME or command: NAME"),
            )
        if self.view is not None and not self.key:
            fail(
                zh_en(
                    "视图来源需要 'key'（标识一行的列）",
                    "a view source needs 'key' (the column(s) naming a row)",
                ),
                zh_en("加上", "add") + " key: ROW_ID",
            )
        if self.command is not None and (self.key or self.version):
            fail(
                zh_en("命令来源没有 'key'/'version'", "a command source has no 'key'/'version'"),
                zh_en("请求 id 就是主键", "the request id is the key"),
            )
        if self.view is not None and self.params:
            fail(
                zh_en("'params' 只用于命令来源", "'params' belong to a command source"),
                zh_en("去掉 'params'", "remove 'params'"),
            )
        if self.command is not None and self.watermark is not None:
            fail(
                zh_en("命令来源没有 'watermark'", "a command source has no 'watermark'"),
                zh_en("去掉 'watermark'", "remove 'watermark'"),
            )
        return self

    @property
    def is_command(self) -> bool:
        return self.command is not None


class VisitKey(Model):
    """Which column (or command parameter) holds the HIS visit key of a row."""

    column: ViewColumn | None = None
    param: ParamName | None = None

    @model_validator(mode="after")
    def _one(self) -> VisitKey:
        if (self.column is None) == (self.param is None):
            fail(
                zh_en(
                    "'visit' 须恰有 'column' 或 'param' 之一",
                    "'visit' needs exactly one of 'column' or 'param'",
                ),
                zh_en("例如", "e.g.") + " visit: {column: VISIT}",
            )
        return self


class VisitRequirement(Model):
    kind: VisitKindCode
    state: Annotated[tuple[VisitStateCode, ...], BeforeValidator(as_tuple)] = Field(
        description="the state(s) the visit must be in; NONE = no visit yet"
    )

    @model_validator(mode="after")
    def _some_state(self) -> VisitRequirement:
        if not self.state:
            fail(
                zh_en("'state' 至少需要一个状态", "'state' needs at least one state"),
                zh_en("例如", "e.g.") + " state: ADMITTED",
            )
        return self


class EnabledBy(Model):
    """A settings switch that must be true (a city rule); otherwise the row is refused."""

    setting: SettingPath = Field(description="a true/false setting, e.g. city.fee_delete_allowed")
    reason_zh: str = Field(min_length=1, max_length=200, description="Chinese reason when off")


class Requires(Model):
    """What must be true before a row may be sent; until then it waits (costs no attempt).

    ``enabled_by`` is different: a switch that is off refuses the row at once, with its reason.
    """

    visit: VisitRequirement | None = Field(None, description="the visit's kind and state(s)")
    enabled_by: EnabledBy | None = Field(None, description="a settings switch that must be on")
    after: Annotated[tuple[FeedName, ...], BeforeValidator(as_tuple)] = Field(
        (), description="feeds whose rows of the same visit must all be final first"
    )


class DatasetSpec(Model):
    """Rows sent as a dataset (``feeinfo``, ``detail``), in batches.

    The rows come from a child view (``view`` + ``join`` + ``order_by``), or — in a two-step
    command (``before:``) — from the first step's reply (``from_reply: feeinfo``), whose rows
    are read by their platform codes (``{column: aaz213}``).
    """

    view: Identifier | None = Field(None, description="the child view, e.g. V_WI_FEE")
    join: dict[ViewColumn, str] = Field(
        {}, description="child column → parent column (or command parameter)"
    )
    order_by: Annotated[tuple[ViewColumn, ...], BeforeValidator(as_tuple)] = Field(
        (), description="columns giving a stable row order"
    )
    from_reply: FieldCode | None = Field(
        None, description="take the rows from this dataset of the 'before' step's reply"
    )
    fields: FieldRules = Field(min_length=1)
    max_rows: int = Field(PLATFORM_MAX_ROWS, ge=1, le=PLATFORM_MAX_ROWS)
    required: bool = Field(False, description="no rows at all rejects the call")

    @model_validator(mode="after")
    def _one_origin(self) -> DatasetSpec:
        if (self.view is None) == (self.from_reply is None):
            fail(
                zh_en(
                    "数据集读取 'view' 或 'from_reply' 之一",
                    "a dataset reads either a 'view' or 'from_reply'",
                ),
                zh_en("例如", "e.g.") + " view: V_WI_FEE",
            )
        if self.view is not None and not (self.join and self.order_by):
            fail(
                zh_en(
                    "数据集视图需要 'join' 和 'order_by'",
                    "a dataset view needs 'join' and 'order_by'",
                ),
                "join: {VISIT_NO: VISIT_NO}",
            )
        if self.from_reply is not None and (self.join or self.order_by):
            fail(
                zh_en(
                    "'from_reply' 数据集没有 'join'/'order_by'",
                    "a 'from_reply' dataset has no 'join'/'order_by'",
                ),
                zh_en("保持应答中的顺序", "the reply's order is kept"),
            )
        return self

    def columns(self) -> frozenset[str]:
        """View columns read (none for ``from_reply``: those are reply fields)."""
        if self.view is None:
            return frozenset()
        read = frozenset().union(*(rule.columns() for rule in self.fields.values()))
        return read | set(self.join) | set(self.order_by)


class BatchSpec(Model):
    """A row-batched feed: each source row is one dataset row, tracked on its own.

    The pending rows of one visit are sent together, at most ``max_rows`` a call (further
    capped by ``platform.fee_rows_per_call``), as the dataset ``dataset``.
    """

    dataset: FieldCode = Field(description="the dataset the rows are sent as, e.g. feeinfo")
    order_by: Columns = Field(description="columns giving a stable row order within a visit")
    fields: FieldRules = Field(min_length=1, description="platform field code → rule, per row")
    max_rows: int = Field(PLATFORM_MAX_ROWS, ge=1, le=PLATFORM_MAX_ROWS)

    def columns(self) -> frozenset[str]:
        read = frozenset().union(*(rule.columns() for rule in self.fields.values()))
        return read | set(self.order_by)


class FeedSpec(Model):
    """One mapping file = one feed (see the module docstring)."""

    description: str = ""
    enabled: bool = True
    source: Source
    function_id: FunctionRef = Field(description="bizh…… or a configurable name")
    visit: VisitKey | None = None
    requires: Requires = Requires()
    fields: FieldRules = Field(description="platform field code → rule")
    datasets: dict[FieldCode, DatasetSpec] = Field({}, description="dataset name → child view")
    batch: BatchSpec | None = Field(None, description="send the view's rows as a dataset")
    before: FeedName | None = Field(None, description="a command feed that runs first")
    writeback: dict[ReplyPath, ViewColumn] = Field(
        {}, description="reply field (or dataset.field) → staging column"
    )
    feed: SkipJsonSchema[str] = Field("", exclude=True)
    wire_function_id: SkipJsonSchema[str] = Field("", exclude=True)

    @model_validator(mode="after")
    def _visit_matches_source(self) -> FeedSpec:
        if self.visit and self.visit.param and not self.source.is_command:
            fail(
                zh_en(
                    "'visit: {param: …}' 需要命令来源", "'visit: {param: …}' needs a command source"
                ),
                zh_en("改用", "use") + " visit: {column: …}",
            )
        if self.visit and self.visit.column and self.source.is_command:
            fail(
                zh_en("命令类业务从参数取就诊", "a command feed takes the visit from a parameter"),
                zh_en("改用", "use") + " visit: {param: …}",
            )
        self._check_batch()
        self._check_before()
        self._check_persons()
        return self

    def _check_persons(self) -> None:
        nested = [r for ds in self.datasets.values() for r in ds.fields.values()]
        if any(_asks_person(rule) for rule in nested):
            fail(
                zh_en(
                    "'person' 规则只用于本行自己的字段",
                    "'person' rules belong to the row's own fields",
                ),
                zh_en("不能用于 'datasets' 视图", "not to a 'datasets' view"),
            )
        if self.source.is_command and any(_asks_person(r) for r in self.fields.values()):
            fail(
                zh_en("'person' 规则需要视图来源", "'person' rules need a view source"),
                zh_en("命令以参数带来人员", "a command brings its person as params"),
            )

    def _check_batch(self) -> None:
        if self.batch is None:
            return
        if self.source.is_command or not (self.visit and self.visit.column):
            fail(
                zh_en(
                    "'batch' 需要视图来源和 visit: {column: …}",
                    "'batch' needs a view source and visit: {column: …}",
                ),
                zh_en("按就诊分组", "rows are grouped by visit"),
            )
        if self.batch.dataset in self.datasets:
            name = self.batch.dataset
            fail(
                zh_en(
                    f"数据集 '{name}' 既是 'batch' 又在 'datasets' 下",
                    f"dataset '{name}' is both 'batch' and under 'datasets'",
                )
            )

    def _check_before(self) -> None:
        replies = [name for name, ds in self.datasets.items() if ds.from_reply is not None]
        if self.before is not None and not self.source.is_command:
            fail(
                zh_en("'before' 需要命令来源", "'before' needs a command source"),
                zh_en("两步调用是命令", "two-step calls are commands"),
            )
        if replies and self.before is None:
            fail(
                zh_en(
                    f"数据集 '{replies[0]}' 用了 'from_reply' 却没有 'before'",
                    f"dataset '{replies[0]}' uses 'from_reply' without 'before'",
                ),
                zh_en("加上", "add") + " before: FEED",
            )

    @property
    def function(self) -> str:
        """The function_id sent on the wire (configurable names resolved by the loader)."""
        return self.wire_function_id or self.function_id

    def columns(self) -> frozenset[str]:
        """Every column of the source view the feed reads (key, version, visit, fields)."""
        cols = set(self.source.key) | {self.source.version, self.visit and self.visit.column}
        cols.add(self.source.watermark.column if self.source.watermark else None)
        read = frozenset().union(*(rule.columns() for rule in self.fields.values()))
        parents = set() if self.source.is_command else self._join_parents()
        batch = self.batch.columns() if self.batch else frozenset()
        return frozenset(c for c in cols | read | parents | batch if c)

    def _join_parents(self) -> set[str]:
        return {parent for ds in self.datasets.values() for parent in ds.join.values()}

    def params(self) -> frozenset[str]:
        """Command parameters referenced anywhere (fields, datasets' joins, visit)."""
        used = set().union(*(r.params() for r in self.all_rules()))
        if self.visit and self.visit.param:
            used.add(self.visit.param)
        return frozenset(used | self._join_parents() if self.source.is_command else used)

    def settings(self) -> frozenset[str]:
        return frozenset().union(*(rule.settings() for rule in self.all_rules()))

    def code_categories(self) -> frozenset[str]:
        return frozenset().union(*(rule.code_categories() for rule in self.all_rules()))

    def all_rules(self) -> tuple[FieldRule, ...]:
        nested = (rule for ds in self.datasets.values() for rule in ds.fields.values())
        batch = self.batch.fields.values() if self.batch else ()
        return (*self.fields.values(), *nested, *batch)
