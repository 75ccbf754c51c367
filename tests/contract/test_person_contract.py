"""The person table: the in-memory fake and the real store keep and read answers alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from contract_support import BACKENDS, NOW

from syncd.config.settings import DatabaseSettings
from syncd.core.records import PersonKey, PersonRecord, PersonState
from syncd.db.ddl import init_db
from syncd.db.engine import make_engine
from syncd.db.memory import MemoryPersons
from syncd.db.person_store import PersonStore
from syncd.db.schema import staging_tables
from syncd.engine.ports import PersonPort

ID_NO = "440106198503124219"


@pytest.fixture(params=BACKENDS)
def persons(request: pytest.FixtureRequest) -> Iterator[PersonPort]:
    if request.param == "memory":
        yield MemoryPersons()
        return
    engine = make_engine(DatabaseSettings(url=str(request.getfixturevalue(f"{request.param}_url"))))
    init_db(engine, staging_tables())
    yield PersonStore(engine, staging_tables())
    engine.dispose()


def known(key: PersonKey, at: datetime = NOW, **values: str) -> PersonRecord:
    return PersonRecord(key, PersonState.KNOWN, at, "bizh110001", "c1", "MZ1", **values)


def test_an_answer_is_found_by_its_key_with_every_value_and_chinese_kept(
    persons: PersonPort,
) -> None:
    key, card = PersonKey("aac002", ID_NO), PersonKey("bka100", "K44000001")
    record = known(key, aac001="1000010001", bka042="GS2026000101", aaz267="SQ1")
    record = PersonRecord(**{**record.__dict__, "aae030": "20260101", "aae031": "20271231"})
    persons.save(record)
    refused = PersonRecord(
        card, PersonState.REFUSED, NOW, reason_zh="该人员未参加工伤保险（未参保）"
    )
    persons.save(refused)
    found = persons.find([key, card, PersonKey("aac002", "440000000000000000")])
    assert found == {key: record, card: refused}


def test_a_later_answer_replaces_the_earlier_one(persons: PersonPort) -> None:
    key = PersonKey("aac002", ID_NO)
    persons.save(known(key, aac001="1000010001", bka888="0"))
    later = PersonRecord(key, PersonState.REFUSED, NOW.replace(hour=10), reason_zh="基金冻结")
    persons.save(later)
    assert persons.find([key]) == {key: later}


def test_keys_of_another_kind_are_other_persons(persons: PersonPort) -> None:
    persons.save(known(PersonKey("aac002", ID_NO), aac001="1"))
    assert persons.find([PersonKey("bka100", ID_NO)]) == {}


def test_a_long_reason_is_kept_to_the_column_length(persons: PersonPort) -> None:
    key = PersonKey("aac002", ID_NO)
    persons.save(PersonRecord(key, PersonState.REFUSED, NOW, reason_zh="拒" * 1200))
    assert persons.find([key])[key].reason_zh == "拒" * 1000


def test_answers_older_than_the_retention_are_pruned_the_others_kept(persons: PersonPort) -> None:
    old, fresh = PersonKey("aac002", ID_NO), PersonKey("bka100", "K44000001")
    persons.save(known(old, at=NOW - timedelta(days=181), aac001="1"))
    persons.save(known(fresh, at=NOW - timedelta(days=179), aac001="2"))
    assert persons.prune(NOW, 180) == 1
    assert set(persons.find([old, fresh])) == {fresh}


def test_many_keys_are_read_at_once(persons: PersonPort) -> None:
    keys = [PersonKey("aac002", f"4401061985031{n:05d}") for n in range(450)]
    for n, key in enumerate(keys):
        persons.save(known(key, aac001=str(n)))
    found = persons.find(keys)
    assert len(found) == 450 and found[keys[449]].aac001 == "449"
