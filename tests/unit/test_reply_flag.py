"""The flag of a success reply that did not read cleanly (pure): names what was unusual —
broken §8.1 identities beyond the tolerance, several payinfo rows, repeated elements — and
nothing when the reply read cleanly."""

from __future__ import annotations

from decimal import Decimal

from syncd.protocol import catalogue
from syncd.protocol.codec import decode_program
from syncd.protocol.messages import parse_reply
from syncd.rules.replies import ReplyFlag, reply_flag

CHARGE = catalogue.load().get("bizh110105")
ROW = (
    "<row><bka001>{n}</bka001><akc264>{t}</akc264><bka831>1.00</bka831>"
    "<bka832>9.00</bka832><akb067>1.00</akb067><ake039>9.00</ake039></row>"
)


def _flag(xml: str, tolerance: str = "0.00") -> ReplyFlag:
    program = decode_program(f"<program><return_code>1</return_code>{xml}</program>")
    return reply_flag(parse_reply(CHARGE, program), program, Decimal(tolerance))


def test_a_clean_reply_has_no_flag() -> None:
    flag = _flag(f"<payinfo>{ROW.format(n=1, t='10.00')}</payinfo>")
    assert not flag and flag.as_json() == {}


def test_a_flag_names_each_oddity_and_no_amount_beyond_the_figures() -> None:
    two = ROW.format(n=1, t="10.01") + ROW.format(n=2, t="10.00")
    flag = _flag(f"<aaz218>Z1</aaz218><aaz218>Z2</aaz218><payinfo>{two}</payinfo>")
    assert flag.as_json() == {
        "identities": ["akc264 10.01 != bka831+bka832 10.00"],
        "tolerance": "0.00",
        "payinfo_rows": 2,
        "repeated": ["aaz218"],
    }
    assert flag.broken_totals == ("akc264",)


def test_within_the_tolerance_the_figures_are_not_flagged() -> None:
    assert not _flag(f"<payinfo>{ROW.format(n=1, t='10.01')}</payinfo>", tolerance="0.01")
