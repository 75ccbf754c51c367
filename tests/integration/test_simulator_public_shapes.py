"""The simulator accepts requests shaped the way the public hospital clients shape them.

Written here from reading those clients (docs/platform-fields.md gives file:line), not copied:

* Dongguan (``GSSB.cs``): an XML declaration, CRLF after every element, the official
  document's element order, blank placeholders (``" "`` and ``""``) for fields it does not
  use, ``application/x-www-form-urlencoded`` over a raw XML body, ``bka006=420`` even on its
  outpatient look-up, its 110105 rows with ``aka063`` and an empty ``aaz213``.
* Zhongshan (``ZsrmSgsService.java`` via ``ZsrmSgsUtils.makeXml``): no declaration, ``\\n``
  after ``<program>`` and CRLF after each scalar, keys in hash-map order (``session_id`` and
  ``akb020`` anywhere), NULL columns left out, only ``&`` escaped, a JSON Content-Type; the
  110104 carries ``bka895='akc002'`` and the ID number; the refund sends the 110103 rows back
  as they came (empty columns dropped by its XML→JSON step).
* Boai (``ZsbaSgsMapper.xml``): the Zhongshan shape with empty ``aaz213``/``bka071`` elements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import httpx
import pytest
from test_simulator_support import NORMAL, Reply, parse_reply

from syncd.simulator import DEFAULT_PASSWORD, DEFAULT_USERID, Simulator, SimulatorConfig

NORMAL_ID = "440106198503124219"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json;charset=utf-8"
Pairs = Sequence[tuple[str, str]]
Rows = Sequence[Pairs]
Builder = Callable[..., bytes]  # (pairs, dataset="", rows=()) -> the request body


def dongguan(pairs: Pairs, dataset: str = "", rows: Rows = ()) -> bytes:
    """Declaration, CRLF after every element, values as given (blanks kept)."""
    nl = "\r\n"
    text = '<?xml version="1.0" encoding="utf-8"?>' + nl + "<program>" + nl
    text += "".join(f"<{k}>{v}</{k}>{nl}" for k, v in pairs)
    if dataset:
        text += f"<{dataset}>{nl}"
        for row in rows:
            text += "<row>" + nl + "".join(f"<{k}>{v}</{k}>{nl}" for k, v in row) + "</row>" + nl
        text += f"</{dataset}>{nl}"
    return (text + "</program>" + nl).encode("utf-8")


def zhongshan(pairs: Pairs, dataset: str = "", rows: Rows = ()) -> bytes:
    """No declaration; CRLF after scalars and row cells; None values left out; & escaped."""

    def cell(k: str, v: str) -> str:
        return f"<{k}>{v.replace('&', '&amp;')}</{k}>\r\n"

    text = "<program>\n" + "".join(cell(k, v) for k, v in pairs)
    if dataset:
        body = "".join("<row>" + "".join(cell(k, v) for k, v in row) + "</row>" for row in rows)
        text += f"<{dataset}>{body}</{dataset}>"
    return (text + "</program>").encode("utf-8")


class Hospital:
    """One client's way of talking: its builder, its Content-Type, its session."""

    def __init__(self, sim: Simulator, build: Builder, content_type: str) -> None:
        self.sim, self.build, self.content_type = sim, build, content_type
        self.http = httpx.Client(timeout=10)
        self.session = ""

    def __enter__(self) -> Hospital:
        self.login()
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def post(self, body: bytes) -> Reply:
        response = self.http.post(
            self.sim.endpoint, content=body, headers={"Content-Type": self.content_type}
        )
        assert response.status_code == 200, response.text
        return parse_reply(response.content)

    def login(self) -> None:
        pairs = [
            ("function_id", "sys0001"),
            ("userid", DEFAULT_USERID),
            ("password", DEFAULT_PASSWORD),
        ]
        reply = self.post(self.build(pairs))
        assert reply.code == "1", reply.message
        self.session = reply.scalars["session_id"]

    def ok(self, pairs: Pairs, dataset: str = "", rows: Rows = ()) -> Reply:
        reply = self.post(self.build(pairs, dataset, rows))
        assert reply.code == "1", f"{dict(pairs).get('function_id')}: {reply.message}"
        return reply


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(SimulatorConfig(fee_delete_allowed=True)) as running:
        yield running


def head(h: Hospital, function_id: str) -> list[tuple[str, str]]:
    """Dongguan's envelope: session, function, institution, in that order."""
    return [("session_id", h.session), ("function_id", function_id), ("akb020", "SS0001")]


def dg_fee_row(serial: str, amount: str) -> list[tuple[str, str]]:
    """A bizh120002 row in Dongguan's order (GSSB.cs:627-643)."""
    return [
        ("ake005", "X0101"),
        ("ake006", "头孢呋辛钠注射液"),
        ("bka056", "12.5000"),
        ("bka057", "2.00"),
        ("bka058", amount),
        ("bka051", "20261121"),
        ("bka063", "H001"),
        ("bka064", "刘芳"),
        ("bka052", "注射剂"),
        ("bka053", "某药业"),
        ("bka054", "0.75g"),
        ("bka055", "支"),
        ("bka070", "CF001"),
        ("bka074", "Y003"),
        ("bka075", "王医生"),
        ("aaz213", serial),
        ("aka036", "0"),
    ]


def test_dongguans_inpatient_requests_are_accepted_through_the_whole_stay(
    sim: Simulator,
) -> None:
    """Person look-up, admission, business look-up, fees, trial, modification, discharge,
    settlement and every cancellation, each as GSSB.cs builds it (blanks included)."""
    with Hospital(sim, dongguan, FORM) as h:
        blank = " "
        person = h.ok(
            [
                *head(h, "bizh120001"),
                ("bka895", "aac001"),
                ("bka896", NORMAL),
                ("aka130", "42"),
                ("bka017", "20261120"),
                ("amc050", blank),
                ("bka912", blank),
                ("amc029", blank),
                ("bka006", "420"),
            ]
        )
        assert person.rows("personinfo")[0]["aac001"] == NORMAL
        admitted = h.ok(
            [
                *head(h, "bizh120103"),
                ("aka130", "42"),
                ("bka006", "420"),
                ("aac001", NORMAL),
                ("bka017", "20261120"),
                ("bka014", "S002"),
                ("bka015", "李护士"),
                ("bka021", "W05"),
                ("bka022", "骨科病区"),
                ("bka019", "W05"),
                ("bka020", "骨科病区"),
                ("bka026", "S52.501"),
                ("bka025", "DG0001"),
                ("bka023", "12"),
                ("bka024", "1"),
                ("bka043", blank),
                ("bka503", "Y002"),
                ("bkc500", blank),
                ("ykc679", blank),
                ("ykc680", blank),
                ("aaz065", blank),
                ("aae009", blank),
                ("aae010", blank),
            ]
        )
        aaz218 = admitted.scalars["aaz218"]
        found = h.ok(
            [
                ("session_id", h.session),
                ("function_id", "bizh120102"),
                ("bka895", "aac001"),
                ("bka896", NORMAL),
                ("akb020", "SS0001"),
                ("aka130", "42"),
                ("bka891", "0"),
                ("aae030", "20260101"),
                ("aae031", "20271231"),
            ]
        )
        assert [r["aaz218"] for r in found.rows("bizinfo")] == [aaz218]
        stay = [*head(h, "bizh120002"), ("aaz218", aaz218)]
        h.ok(stay, "feeinfo", [dg_fee_row("1", "25.00"), dg_fee_row("2", "-25.00")])
        trial = h.ok([*head(h, "bizh120003"), ("aaz218", aaz218), ("bka438", "1")])
        assert trial.scalars["akc264"] == "0.00"
        h.ok(
            [
                *head(h, "bizh120104"),
                ("aaz218", aaz218),
                ("bka021", "W06"),
                ("bka022", "骨二病区"),
                ("bka019", "W06"),
                ("bka020", "骨二病区"),
                ("bka025", "DG0001"),
                ("bka023", "15"),
                ("bka503", "Y002"),
                ("ykc679", blank),
                ("ykc680", blank),
            ]
        )
        h.ok(stay, "feeinfo", [dg_fee_row("3", "25.00")])
        discharge = [
            *head(h, "bizh120105"),
            ("aaz218", aaz218),
            ("bka032", "20261125"),
            ("bka033", "S002"),
            ("bka034", "李护士"),
            ("bkf001", "1"),
            ("bkf002", "2"),
            ("bkf003", "2"),
            ("bkf004", "02"),
            ("bkf005", "0"),
            ("bkf006", "0"),
            ("bka031", "S52.501"),
            ("bka043", "好转出院"),
            *[
                (code, blank)
                for code in (
                    "amc050",
                    "amc029",
                    "amc031",
                    "bka911",
                    "bka912",
                    "bka913",
                    "bka914",
                    "bka915",
                    "bka916",
                    "bka917",
                    "ykc195",
                    "akb063",
                    "bka856",
                )
            ],
            ("bka006", "420"),
        ]
        h.ok(discharge)
        settled = h.ok(
            [*head(h, "bizh120106"), ("aaz218", aaz218), ("bka046", "S004"), ("bka047", "邓海燕")]
        )
        assert settled.scalars["akc264"] == "25.00"
        for function_id in ("bizh120107", "bizh120108", "bizh120004", "bizh120109"):
            h.ok([*head(h, function_id), ("aaz218", aaz218)])
        assert [b["state"] for b in sim.businesses() if b["aaz218"] == aaz218] == ["CANCELLED"]


def test_dongguans_outpatient_look_up_and_charge_are_accepted(sim: Simulator) -> None:
    """frmSgsMZSF: 110102 by social-security number (with its bka006=420), then 110105 with
    its row shape — aaz213 empty on a charge, bka071 = its fee id, the flag as aka063."""
    with Hospital(sim, dongguan, FORM) as h:
        aaz218 = register_as_zhongshan(sim)
        found = h.ok(
            [
                ("session_id", h.session),
                ("function_id", "bizh110102"),
                ("bka895", "aac002"),
                ("bka896", NORMAL_ID),
                ("akb020", "SS0001"),
                ("bka006", "420"),
            ]
        )
        assert [r["aaz218"] for r in found.rows("bizinfo")] == [aaz218]
        row = [
            ("ake005", "Z0001"),
            ("ake006", "换药(中)"),
            ("aaz213", ""),
            ("bka052", ""),
            ("bka053", ""),
            ("bka054", ""),
            ("bka051", "20261202"),
            ("bka055", "次"),
            ("bka056", "30.0000"),
            ("bka057", "1.00"),
            ("bka058", "30.00"),
            ("bka070", "CF9"),
            ("bka074", "Y006"),
            ("bka075", "钱医生"),
            ("bka071", "778899"),
            ("aka063", "0"),
        ]
        charge = [
            *head(h, "bizh110105"),
            ("aaz218", aaz218),
            ("bka014", "S004"),
            ("bka015", "邓海燕"),
            ("bka893", "1"),
        ]
        paid = h.ok(charge, "feeinfo", [row])
        assert paid.rows("payinfo")[0]["bka001"] == "1"


def register_as_zhongshan(sim: Simulator, bka025: str = "MZ-ZS-1") -> str:
    """110001 then 110104 as ZsrmSgsService sends them: hash-map order, ID number in both."""
    with Hospital(sim, zhongshan, JSON) as h:
        person = h.ok(
            [
                ("bka896", NORMAL_ID),
                ("function_id", "bizh110001"),
                ("bka006", "410"),
                ("bka895", "aac002"),
                ("session_id", h.session),
                ("akb020", "SS0001"),
            ]
        )
        bka042 = person.rows("injuryorbirthinfo")[0]["bka042"]
        registered = h.ok(
            [
                ("bka020", "急诊外科"),
                ("bka021", "D01"),
                ("bka042", bka042),
                ("aka130", "41"),
                ("bka896", NORMAL_ID),
                ("bka895", "akc002"),
                ("session_id", h.session),
                ("bka017", "20261202"),
                ("bka015", "陈静"),
                ("bka026", "S62.001"),
                ("function_id", "bizh110104"),
                ("bka893", "0"),
                ("bka014", "S001"),
                ("bka025", bka025),
                ("aac001", NORMAL),
                ("bka022", "急诊外科"),
                ("bka019", "D01"),
                ("akb020", "SS0001"),
                ("bka006", "410"),
            ]
        )
        return registered.scalars["aaz218"]


def zs_row(item: str, amount: str) -> list[tuple[str, str]]:
    """ZsrmSgsMapper.xml qryChargeDetailNoUpload: no aaz213, no bka071 (NULL on Oracle)."""
    return [
        ("ake005", item),
        ("ake006", "清创缝合术 & 换药"),
        ("bka052", "注射剂"),
        ("bka053", "某药业"),
        ("bka054", "1次"),
        ("bka051", "20261202"),
        ("bka055", "次"),
        ("bka056", amount),
        ("bka057", "1"),
        ("bka058", amount),
        ("bka070", "CF1"),
        ("bka074", "Y006"),
        ("bka075", "钱医生"),
        ("aaz267", "0"),
        ("bka061", "0"),
    ]


def test_zhongshans_outpatient_day_is_accepted_refund_included(sim: Simulator) -> None:
    """Registration, look-up, trial, charge, refund info, refund with the returned rows as
    they came, and the second refund refused — all in the Zhongshan shape."""
    aaz218 = register_as_zhongshan(sim)
    with Hospital(sim, zhongshan, JSON) as h:
        h.ok(
            [
                ("bka006", "410"),
                ("bka896", aaz218),
                ("session_id", h.session),
                ("function_id", "bizh110102"),
                ("bka895", "aaz218"),
                ("akb020", "SS0001"),
            ]
        )
        charge = [
            ("bka015", "邓海燕"),
            ("aaz218", aaz218),
            ("function_id", "bizh110105"),
            ("session_id", h.session),
            ("bka014", "S004"),
            ("akb020", "SS0001"),
        ]
        rows = [zs_row("Z0001", "30.00"), zs_row("X0101", "12.50")]
        trial = h.ok([*charge, ("bka893", "0")], "feeinfo", rows)
        assert trial.rows("payinfo")[0]["akc264"] == "42.50"
        paid = h.ok([*charge, ("bka893", "1")], "feeinfo", rows)
        batch = paid.rows("payinfo")[0]["bka001"]
        info = h.ok(
            [
                ("bka001", batch),
                ("bka895", "aaz218"),
                ("function_id", "bizh110103"),
                ("bka896", aaz218),
                ("akb020", "SS0001"),
                ("session_id", h.session),
                ("bka006", "410"),
            ]
        )
        returned = [[(k, v) for k, v in row.items() if v.strip()] for row in info.rows("feeinfo")]
        refund = [
            ("function_id", "bizh110105"),
            ("akb020", "SS0001"),
            ("aaz218", aaz218),
            ("bka893", "1"),
            ("session_id", h.session),
            ("bka014", "S004"),
            ("bka015", "邓海燕"),
        ]
        refunded = h.ok(refund, "feeinfo", returned)
        assert refunded.rows("payinfo")[0]["akc264"] == "-42.50"
        again = h.post(zhongshan(refund, "feeinfo", returned))
        assert again.code == "-1" and "已经办理过退费" in again.message


def test_boais_charge_with_empty_serial_and_fee_id_elements_is_accepted(sim: Simulator) -> None:
    """ZsbaSgsMapper.xml on SQL Server: '' columns arrive as empty elements, aka036 and
    aaz267 both carry the fit flag, bka061 is always 0."""
    aaz218 = register_as_zhongshan(sim, "MZ-BA-1")
    with Hospital(sim, zhongshan, JSON) as h:
        row = [
            ("ake005", "Z0001"),
            ("ake006", "换药(中)"),
            ("bka052", ""),
            ("bka053", ""),
            ("bka054", ""),
            ("bka051", "20261202"),
            ("bka055", "次"),
            ("bka056", "30.0000"),
            ("bka057", "1"),
            ("bka058", "30.00"),
            ("aaz213", ""),
            ("bka070", "CF1"),
            ("bka074", "Y006"),
            ("bka075", "钱医生"),
            ("bka071", ""),
            ("aka036", "0"),
            ("aaz267", "0"),
            ("bka061", "0"),
        ]
        paid = h.ok(
            [
                ("akb020", "SS0001"),
                ("aaz218", aaz218),
                ("bka014", "S004"),
                ("bka015", "邓海燕"),
                ("bka893", "1"),
                ("function_id", "bizh110105"),
                ("session_id", h.session),
            ],
            "feeinfo",
            [row],
        )
        assert paid.rows("payinfo")[0]["akc264"] == "30.00"


def test_a_repeated_element_is_accepted(sim: Simulator) -> None:
    """GSSB.cs's 110104 template writes bka025 twice; the first one counts."""
    with Hospital(sim, dongguan, FORM) as h:
        reply = h.ok(
            [
                *head(h, "bizh110104"),
                ("aac001", NORMAL),
                ("aka130", "41"),
                ("bka006", "410"),
                ("bka017", "20261202"),
                ("bka014", "S001"),
                ("bka015", "陈静"),
                ("bka025", "MZ-DG-1"),
                ("bka070", ""),
                ("bka893", "0"),
                ("bka025", "MZ-DG-2"),
            ]
        )
        (business,) = [b for b in sim.businesses() if b["aaz218"] == reply.scalars["aaz218"]]
        assert business["fields"]["bka025"] == "MZ-DG-1"
