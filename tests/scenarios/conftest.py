"""Fixtures of the scenario tests: a seeded hospital on SQLite and PostgreSQL, and the
session-wide collector of every simulator's call log (``/_sim/calls``).

At the end of a session that ran every scenario test, the collector asserts that each
function_id of requirements.md (plus the configured id of the late 因病 upload and the
login) reached a simulator at least once.

While each scenario test body runs, every statement syncd issues is captured
(:mod:`sql_capture`); ``test_sql_versions.py`` runs after all of them and compiles each
captured statement for every supported database version.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scenario_support import LATE_UPLOAD_ID, Hospital, open_hospital
from sql_capture import CAPTURED

REQUIRED_FUNCTIONS = frozenset(
    {f"bizh11{n}" for n in ("0001", "0102", "0103", "0104", "0105", "0106")}
    | {
        f"bizh12{n}"
        for n in (
            "0001",
            "0103",
            "0102",
            "0002",
            "0003",
            "0105",
            "0106",
            "0104",
            "0109",
            "0108",
            "0004",
            "0107",
            "0206",
            "0205",
        )
    }
    | {f"bizh2001{n:02d}" for n in range(1, 7)}
    | {"bizh410004", "bizh410005", "sys0001", LATE_UPLOAD_ID}
)


class CallCollector:
    """Every call log of every simulator the suite started."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, calls: list[dict[str, Any]]) -> None:
        self.calls.extend(calls)

    def missing(self) -> set[str]:
        return set(REQUIRED_FUNCTIONS) - {c["function_id"] for c in self.calls}


HERE = Path(__file__).parent
_COLLECTED: list[str] = []


def pytest_itemcollected(item: pytest.Item) -> None:
    if HERE in Path(str(item.path)).parents:
        _COLLECTED.append(item.nodeid)


VERSION_CHECK = "test_sql_versions.py"  # compiles what the other scenario tests issued


def _in_scenarios(item: pytest.Item) -> bool:
    return HERE in Path(str(item.path)).parents


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The version check after every other test of the session."""
    check = [item for item in items if _in_scenarios(item) and item.path.name == VERSION_CHECK]
    moved = {id(item) for item in check}
    items[:] = [item for item in items if id(item) not in moved] + check


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    if _in_scenarios(item) and item.path.name != VERSION_CHECK:
        with CAPTURED.watching():
            return (yield)
    return (yield)


def _ran_every_scenario(session: pytest.Session) -> bool:
    """Every scenario file collected, nothing deselected, nothing failed."""
    selected = [item for item in session.items if HERE in Path(str(item.path)).parents]
    files = {Path(str(item.path)).name for item in selected}
    every_file = files == {path.name for path in HERE.glob("test_*.py")}
    return every_file and len(selected) == len(_COLLECTED) and not session.testsfailed


@pytest.fixture
def every_scenario_ran(request: pytest.FixtureRequest) -> bool:
    """Every scenario test of the directory was selected and none has failed so far."""
    return _ran_every_scenario(request.session)


@pytest.fixture(scope="session")
def call_log(request: pytest.FixtureRequest) -> Iterator[CallCollector]:
    collector = CallCollector()
    yield collector
    if _ran_every_scenario(request.session):
        missing = collector.missing()
        assert not missing, f"never called on any simulator: {sorted(missing)}"


@pytest.fixture(params=["sqlite", "postgresql"])
def hospital(
    request: pytest.FixtureRequest, tmp_path: Path, call_log: CallCollector
) -> Iterator[Hospital]:
    """The seeded hospital on SQLite, then on PostgreSQL (fresh schema each time)."""
    url = str(request.getfixturevalue(f"{request.param}_url"))
    yield from open_hospital(url, tmp_path, call_log)


@pytest.fixture
def strict_city(tmp_path: Path, sqlite_url: str, call_log: CallCollector) -> Iterator[Hospital]:
    """A hospital in a city that does not allow deleting inpatient fee rows."""
    yield from open_hospital(sqlite_url, tmp_path, call_log, fee_delete=False)
