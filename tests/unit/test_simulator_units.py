"""Pure parts of the platform simulator: XML in/out, figures, fault syntax, fixtures, clock."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncd.core.errors import ConfigError, MalformedSimulatorRequest
from syncd.simulator import SHANGHAI, Fault, load_persons, parse_fault
from syncd.simulator.faults import FaultBook, fault_from_json
from syncd.simulator.figures import compute, negate
from syncd.simulator.fixtures import ItemCatalogue, load_code_tables, load_covered_items
from syncd.simulator.platform import next_midnight
from syncd.simulator.wire import WireReply, parse_request, render_reply

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def test_request_parsing_with_and_without_declaration() -> None:
    """Scalars and datasets are read the same with or without the XML declaration."""
    body = (
        "<program><function_id>bizh120002</function_id><aaz218> Z1 </aaz218>"
        "<feeinfo><row><ake005>X&amp;1</ake005></row><row><ake005>中文</ake005></row>"
        "</feeinfo></program>"
    )
    for raw in (body, '<?xml version="1.0" encoding="utf-8"?>\n' + body):
        request = parse_request(raw.encode("utf-8"))
        assert request.function_id == "bizh120002" and request.get("aaz218") == "Z1"
        assert [r["ake005"] for r in request.rows("feeinfo")] == ["X&1", "中文"]


def test_an_empty_feeinfo_is_an_empty_dataset_not_a_scalar() -> None:
    """<feeinfo/> parses as a dataset with no rows (so 120002 can say it is empty)."""
    request = parse_request(b"<program><feeinfo/></program>")
    assert request.datasets == {"feeinfo": []} and "feeinfo" not in request.scalars


@pytest.mark.parametrize(
    "body",
    [
        b'<!DOCTYPE p [<!ENTITY a "x">]><program><x>&a;</x></program>',
        b"<program><x></program>",
        b"<other/>",
        b"",
    ],
)
def test_bad_requests_are_malformed(body: bytes) -> None:
    """Entities, broken XML, a wrong root and an empty body become a MalformedSimulatorRequest."""
    with pytest.raises(MalformedSimulatorRequest):
        parse_request(body)


def test_replies_escape_values_and_keep_chinese() -> None:
    """Rendered replies are well-formed, escaped, UTF-8, return code first."""
    reply = WireReply("-1", "错误 <&>", {"aaz218": "a&b"}, {"bizinfo": [{"aac003": "张三"}]})
    text = render_reply(reply).decode("utf-8")
    assert text.index("<return_code>-1") < text.index("<return_code_message>")
    assert "错误 &lt;&amp;&gt;" in text and "<aaz218>a&amp;b</aaz218>" in text
    assert parse_request(render_reply(reply)).get("aaz218") == "a&b"


AMOUNTS = st.decimals(min_value=-1000, max_value=10000, places=2, allow_nan=False)
ROWS = st.lists(
    st.tuples(AMOUNTS, st.sampled_from(["X0101", "Z0001", "NOPE"]), st.sampled_from(["0", "1"])),
    max_size=30,
)


@given(ROWS)
def test_figures_keep_the_identities_exactly(rows: list[tuple[Decimal, str, str]]) -> None:
    """For any rows: akc264 = bka831 + bka832 and both sub-identities of spec §8.1 hold."""
    covered = load_covered_items()
    wire = [{"bka058": f"{a:.2f}", "ake005": item, "bka061": flag} for a, item, flag in rows]
    f = compute(wire, covered)
    assert f["akc264"] == f["bka831"] + f["bka832"] == sum((a for a, _, _ in rows), Decimal(0))
    assert f["bka831"] == f["akb067"] + f["akb066"] + f["bka839"]
    fund = ("ake039", "ake035", "ake026", "ake029", "bka841", "bka842", "bka840", "bka821")
    assert f["bka832"] == sum((f[k] for k in fund), Decimal(0))
    own = sum((a for a, item, flag in rows if flag == "1" or item not in covered), Decimal(0))
    assert f["bka831"] == own


def test_negated_zero_figures_do_not_print_minus_zero() -> None:
    """A refund of a batch with zero parts gives 0.00, not -0.00."""
    covered = ItemCatalogue({"X0101": Decimal(0)})
    figures = negate(compute([{"bka058": "5.00", "ake005": "X0101"}], covered))
    assert f"{figures['bka831']:.2f}" == "0.00" and f"{figures['akc264']:.2f}" == "-5.00"


def test_fault_syntax() -> None:
    """--fault KIND[:key=value,...] with every key, and its errors."""
    fault = parse_fault("latency:function=bizh120002, times=3,ms=250,rate=0.5,seed=1")
    assert fault.as_json() == {
        "kind": "latency",
        "function_id": "bizh120002",
        "times": 3,
        "rate": 0.5,
        "ms": 250,
        "size": 0,
        "seed": 1,
    }
    assert parse_fault("reply_lost").as_json()["times"] == 1
    assert parse_fault("oversize:function=bizh120103,size=104857600").size == 104857600
    bad_ones = (
        "explode",
        "drop:times",
        "drop:colour=red",
        "drop:times=-1",
        "drop:rate=0",
        "oversize",
        "oversize:size=-1",
    )
    for bad in bad_ones:
        with pytest.raises(ConfigError):
            parse_fault(bad)
    with pytest.raises(ConfigError):
        fault_from_json({"function_id": "x"})


def test_fault_book_consumes_counts_and_targets() -> None:
    """times=N fires N times on its function only; times=0 never runs out; first match wins."""
    book = FaultBook()
    book.add(Fault("drop", function_id="bizh120002", times=2), Fault("latency", times=0))
    taken = [book.take(f) for f in ("bizh120002", "sys0001", "bizh120002", "bizh120002")]
    assert [t.kind if t else None for t in taken] == ["drop", "latency", "drop", "latency"]
    assert [f.kind for f in book.active()] == ["latency"]


def test_shipped_persons_cover_the_required_cases_with_valid_synthetic_ids() -> None:
    """Normal with certificate, frozen, not insured, in hospital elsewhere; ID check digits
    valid; every aac001 unique."""
    persons = load_persons()
    assert any(p.insured and not p.frozen and p.injury.get("bka042") for p in persons)
    assert any(p.frozen and p.freezes for p in persons)
    assert any(not p.insured for p in persons)
    assert any(p.in_hospital_elsewhere for p in persons)
    for person in persons:
        number = person.fields["aac002"]
        total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS, strict=True))
        assert "10X98765432"[total % 11] == number[17]


def test_a_bad_persons_file_is_a_config_error(tmp_path: Path) -> None:
    """A persons file without the list, or a person without aac002, is refused with the path."""
    path = tmp_path / "p.yaml"
    path.write_text("persons:\n  - {aac001: '1', aac003: 张}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="aac002"):
        load_persons(path)
    path.write_text("people: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="persons"):
        load_persons(path)


def test_code_tables_include_the_spec_categories() -> None:
    """The shipped code tables have every §6 category the HIS maps, with Chinese names."""
    tables = load_code_tables()
    for category in (
        "bka006",
        "aka130",
        "aae140",
        "bka888",
        "bka061",
        "bkf004",
        "ykc680",
        "bka019",
        "bka021",
    ):
        assert category in tables.categories


def test_sessions_end_at_the_next_shanghai_midnight() -> None:
    """A login at 23:59 local or at 16:30 UTC (00:30 local) ends at the next local midnight."""
    late = datetime(2026, 11, 25, 23, 59, tzinfo=SHANGHAI)
    assert next_midnight(late) == datetime(2026, 11, 26, tzinfo=SHANGHAI)
    utc = datetime.fromisoformat("2026-11-25T16:30:00+00:00")
    assert next_midnight(utc) == datetime(2026, 11, 27, tzinfo=SHANGHAI)
