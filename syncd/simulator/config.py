"""Settings of one simulator instance (what the CLI options and the Python API set)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from syncd.simulator.fixtures import (
    CodeTables,
    FixturePerson,
    ItemCatalogue,
    load_code_tables,
    load_covered_items,
    load_persons,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_USERID = "SS0001"
DEFAULT_PASSWORD = "sim-password"
DEFAULT_AKB020S = ("SS0001", "SS0002")
MAX_FEE_ROWS = 300


def shanghai_now() -> datetime:
    return datetime.now(SHANGHAI)


@dataclass(frozen=True)
class ServedFunctionIds:
    """Function ids the spec marks inferred/unknown; ``None`` = not served (unknown id)."""

    settlement_slip: str = "bizh120206"
    record_patient: str = "bizh200101"
    illness_late_upload: str | None = None


@dataclass
class SimulatorConfig:
    accounts: dict[str, str] = field(default_factory=lambda: {DEFAULT_USERID: DEFAULT_PASSWORD})
    akb020s: frozenset[str] = frozenset(DEFAULT_AKB020S)
    fee_delete_allowed: bool = True
    function_ids: ServedFunctionIds = field(default_factory=ServedFunctionIds)
    persons: list[FixturePerson] = field(default_factory=load_persons)
    covered_items: ItemCatalogue = field(default_factory=load_covered_items)
    code_tables: CodeTables = field(default_factory=load_code_tables)
    test_mode: bool = False

    def hospital_name(self, akb020: str) -> str:
        return f"模拟工伤协议医疗机构{akb020}"
