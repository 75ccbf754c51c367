"""The person look-up as a mapping source, on the in-memory stores and a scripted platform:
asked by syncd itself (110001 for an outpatient feed), kept, refused with the platform's
reason, waited for (no attempt used) while the platform cannot answer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from exchange_support import CATALOGUE, Engine, ScriptedPlatform, _result, ok
from mapping_folders import feeds_in

from syncd.config.mappings import load_mappings
from syncd.core.records import Outcome, PersonKey, PersonState
from syncd.db.memory import MemoryFeedSource, MemoryPersons
from syncd.engine.persons import LookupPolicy, PersonLookups
from syncd.engine.pipeline import FeedPipeline
from syncd.mapping import FeedSpec
from syncd.protocol.calls import CallResult
from syncd.protocol.decoded import Program, Row
from syncd.protocol.messages import Request

SHIPPED = feeds_in(Path(__file__).resolve().parents[2] / "mappings")
ID_NO = "440106198503124219"
BY = {"aac002": {"column": "SFZH", "trim": True}}
REGISTRATION = FeedSpec.model_validate(
    {
        "source": {"view": "V_GH", "key": "GHXH"},
        "function_id": "bizh110104",
        "visit": {"column": "GHXH"},
        "requires": {"visit": {"kind": "OUTPATIENT", "state": "NONE"}},
        "fields": {
            "akb020": {"setting": "hospital.akb020"},
            "aac001": {"person": "aac001", "by": BY, "required": True},
            "aka130": {"const": "41"},
            "bka006": {"const": "410"},
            "bka017": {"column": "GHRQ", "date": "yyyyMMdd"},
            "bka014": {"const": "0101"},
            "bka015": {"const": "张三"},
            "bka042": {"first": [{"column": "GSZH"}, {"person": "bka042", "by": BY}]},
        },
        "writeback": {"aaz218": "aaz218"},
    }
).model_copy(update={"feed": "op_registration"})


class PersonPlatform(ScriptedPlatform):
    """Answers 110001 as the simulator does: a person, a frozen one, or a refusal."""

    frozen: bool = False

    def call(self, request: Request, call_id: str | None = None) -> CallResult:
        if request.function_id == "bizh110104":
            self.calls.append(("bizh110104", call_id, True))
            reply = ok(aaz218=f"MZ{len(self.calls):04d}")
            return _result(request, call_id, Outcome.SUCCEEDED, reply, "成功", "1")
        if request.function_id != "bizh110001":
            return super().call(request, call_id)
        mode = self.modes["bizh110001"].pop(0) if self.modes["bizh110001"] else "ok"
        self.calls.append(("bizh110001", call_id, False))
        if mode == "down":
            return _result(request, call_id, Outcome.RETRY, None, "connection refused")
        if mode == "refused":
            return _result(request, call_id, Outcome.REJECTED, None, "该人员未参加工伤保险", "-1")
        person = {"aac001": "1000010001", "aac002": ID_NO, "bka888": "1" if self.frozen else "0"}
        freezes = [{"aac031": "1", "bka408": "单位欠缴，基金冻结"}] if self.frozen else []
        injury = {"bka042": "GS2026000101", "aae030": "20260101", "aae031": "20271231"}
        datasets = {
            "personinfo": (Row(person),),
            "freezeinfo": tuple(Row(f) for f in freezes),
            "injuryorbirthinfo": (Row(injury),),
        }
        reply = Program(values=ok().values, datasets=datasets)
        return _result(request, call_id, Outcome.SUCCEEDED, reply, "成功", "1")


class Hospital:
    def __init__(self, refresh_s: float = 86400.0, frozen: str = "reject") -> None:
        self.engine = Engine()
        platform = PersonPlatform(self.engine.stores)
        self.engine.platform = platform
        self.engine.exchange.calls.client = platform
        self.persons = MemoryPersons()
        policy = LookupPolicy(refresh_s, frozen, pause_s=30)
        lookups = PersonLookups(
            self.engine.exchange.calls, self.persons, SHIPPED["op_person"], policy
        )
        self.rows: list[dict[str, object]] = []
        source = MemoryFeedSource(REGISTRATION, self.rows, self.engine.stores.outbox)
        self.pipeline = FeedPipeline(
            REGISTRATION,
            source,
            [],
            self.engine.exchange,
            self.engine.stores,
            batch_size=50,
            lease_s=60,
            persons=lookups,
        )

    @property
    def platform(self) -> PersonPlatform:
        assert isinstance(self.engine.platform, PersonPlatform)
        return self.engine.platform

    def register(self, visit: str, id_no: str = f" {ID_NO} ", certificate: str = "") -> None:
        self.rows.append({"GHXH": visit, "SFZH": id_no, "GHRQ": "20261125", "GSZH": certificate})

    def tick(self) -> None:
        self.pipeline.tick(self.engine.inputs)


def registrations(h: Hospital) -> list[dict[str, str]]:
    """What the registrations sent, read back from the archive."""
    out = []
    for entry in h.engine.archive.entries:
        if entry.function_id == "bizh110104":
            text = entry.request.decode("utf-8")
            out.append(
                {
                    code: text.split(f"<{code}>")[1].split(f"</{code}>")[0]
                    for code in ("aac001", "bka042")
                }
            )
    return out


def test_a_registration_without_a_person_number_asks_the_platform_and_sends_its_answer() -> None:
    h = Hospital()
    h.register("GH1")
    h.tick()
    row = h.engine.row("op_registration", "GH1")
    assert row.status == "SUCCEEDED", row.last_error
    assert registrations(h) == [{"aac001": "1000010001", "bka042": "GS2026000101"}]
    kept = h.persons.rows[PersonKey("aac002", ID_NO)]
    assert (kept.state, kept.aac001, kept.bka042, kept.aae031) == (
        PersonState.KNOWN,
        "1000010001",
        "GS2026000101",
        "20271231",
    )
    assert kept.visit_key == "GH1" and kept.function_id == "bizh110001"
    archived = [e.function_id for e in h.engine.archive.entries]
    assert archived == ["bizh110001", "bizh110104"]  # the look-up is archived under the row
    assert h.engine.archive.entries[0].source_key == "GH1"


def test_no_log_line_of_a_look_up_carries_the_id_number(caplog: pytest.LogCaptureFixture) -> None:
    h = Hospital()
    h.platform.script("bizh110001", "down")
    h.register("GH1")
    h.register("GH2", id_no="44030419920708362X")
    with caplog.at_level("DEBUG"):
        h.tick()
        h.engine.clock.advance(60)
        h.tick()
    events = [r.getMessage() + repr(r.__dict__) for r in caplog.records]
    assert any("person.looked_up" in e for e in events)
    assert any("person.lookup_unanswered" in e for e in events)
    assert not [e for e in events if ID_NO in e or "44030419920708362X" in e]


def test_the_hospitals_own_certificate_wins_over_the_look_up() -> None:
    h = Hospital()
    h.register("GH1", certificate="GS-HIS-1")
    h.tick()
    assert registrations(h) == [{"aac001": "1000010001", "bka042": "GS-HIS-1"}]


def test_a_new_visit_asks_again_and_an_answer_for_the_same_visit_is_not_asked_twice() -> None:
    h = Hospital()
    h.register("GH1")
    h.tick()
    h.register("GH2")
    h.tick()
    lookups = [c for c in h.platform.calls if c[0] == "bizh110001"]
    assert len(lookups) == 2  # GH2 is a new visit: today's certificate and fund state
    assert h.persons.rows[PersonKey("aac002", ID_NO)].visit_key == "GH2"
    assert h.engine.row("op_registration", "GH2").status == "SUCCEEDED"


def test_an_unanswered_look_up_makes_the_row_wait_without_an_attempt_then_it_goes() -> None:
    h = Hospital()
    h.platform.script("bizh110001", "down")
    h.register("GH1")
    h.tick()
    row = h.engine.row("op_registration", "GH1")
    assert (row.status, row.attempts) == ("WAITING", 0)
    assert "人员信息查询未成功" in row.last_error
    assert not h.persons.rows
    h.engine.clock.advance(10)  # the row is due again, but the look-up pauses for 30 s
    h.tick()
    assert h.engine.row("op_registration", "GH1").status == "WAITING"
    assert len([c for c in h.platform.calls if c[0] == "bizh110001"]) == 1
    h.engine.clock.advance(30)
    h.tick()
    row = h.engine.row("op_registration", "GH1")
    assert (row.status, row.attempts) == ("SUCCEEDED", 1)


def test_a_refused_look_up_rejects_the_row_with_the_platforms_reason() -> None:
    h = Hospital()
    h.platform.script("bizh110001", "refused")
    h.register("GH1")
    h.tick()
    row = h.engine.row("op_registration", "GH1")
    assert (row.status, row.attempts) == ("REJECTED", 0)
    assert row.last_error == "人员信息查询被拒绝：该人员未参加工伤保险"
    assert h.persons.rows[PersonKey("aac002", ID_NO)].state is PersonState.REFUSED
    assert [c[0] for c in h.platform.calls] == ["bizh110001"]  # no registration sent


def test_a_frozen_fund_rejects_the_row_with_the_freezes_reason() -> None:
    h = Hospital()
    h.platform.frozen = True
    h.register("GH1")
    h.tick()
    row = h.engine.row("op_registration", "GH1")
    assert row.status == "REJECTED"
    assert row.last_error == "人员信息查询被拒绝：人员工伤保险基金冻结：单位欠缴，基金冻结"


def test_a_frozen_fund_is_sent_when_the_settings_say_send() -> None:
    h = Hospital(frozen="send")
    h.platform.frozen = True
    h.register("GH1")
    h.tick()
    assert h.engine.row("op_registration", "GH1").status == "SUCCEEDED"
    kept = h.persons.rows[PersonKey("aac002", ID_NO)]
    assert (kept.state, kept.bka888) == (PersonState.KNOWN, "1")


def test_a_row_without_the_key_is_rejected_as_missing_the_person_number() -> None:
    h = Hospital()
    h.register("GH1", id_no="  ")
    h.tick()
    row = h.engine.row("op_registration", "GH1")
    assert (
        row.status == "REJECTED" and "缺少必填项" in row.last_error and "aac001" in row.last_error
    )
    assert not h.platform.calls


@pytest.mark.parametrize("seconds", [3600.0])
def test_an_answer_older_than_the_refresh_is_asked_again(seconds: float) -> None:
    h = Hospital(refresh_s=seconds)
    h.register("GH1")
    h.tick()
    h.engine.clock.advance(seconds + 1)
    h.persons.rows = {
        k: v.__class__(**{**v.__dict__, "visit_key": "GH2"}) for k, v in h.persons.rows.items()
    }
    h.register("GH2")
    h.tick()
    assert len([c for c in h.platform.calls if c[0] == "bizh110001"]) == 2


def test_a_person_rule_without_its_look_up_mapping_is_a_configuration_error(
    tmp_path: Path,
) -> None:
    from syncd.config.mappings import NO_LOOKUP_ZH
    from syncd.core.errors import ConfigError

    example = Path(__file__).resolve().parents[2] / "sql" / "examples" / "pinyin" / "mappings"
    (tmp_path / "outpatient").mkdir()
    (tmp_path / "outpatient" / "op_registration.yaml").write_text(
        (example / "outpatient" / "op_registration.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_mappings(tmp_path, CATALOGUE)
    assert NO_LOOKUP_ZH in str(caught.value) and "op_registration.yaml" in str(caught.value)
    shipped = Path(__file__).resolve().parents[2] / "mappings" / "outpatient" / "op_person.yaml"
    shutil.copy(shipped, tmp_path / "outpatient" / "op_person.yaml")
    assert set(load_mappings(tmp_path, CATALOGUE)) == {"op_person", "op_registration"}


def test_a_person_rule_needs_one_key_and_a_view_source() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="exactly one key"):
        FeedSpec.model_validate(
            {
                **REGISTRATION.model_dump(exclude={"feed"}),
                "fields": {"aac001": {"person": "aac001"}},
            }
        )
    command = {
        "source": {"command": "x", "params": ["p"]},
        "function_id": "bizh110104",
        "fields": {"aac001": {"person": "aac001", "by": {"aac002": {"param": "p"}}}},
    }
    with pytest.raises(ValidationError, match="need a view source"):
        FeedSpec.model_validate(command)
