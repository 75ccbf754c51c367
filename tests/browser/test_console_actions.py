"""The operator's actions in a real browser on a demo day, through the operator module: a
rejected row re-queued from the page after its HIS data was fixed, until it succeeds; an
UNKNOWN call given its verdict (the CLI's checks refusing a verdict that lacks what only the
reply tells); each confirmed first and written to the audit log."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from syncd.simulator.faults import Fault
from tests.browser.console_support import OPERATOR, ConsoleDemo, console_demo, log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

DEADLINE_S = 60.0


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleDemo]:
    yield from console_demo(tmp_path_factory.mktemp("console") / "demo")


def _until(page: Page, site: ConsoleDemo, text: str) -> None:
    """Run engine passes, as the daemon would, until the page shows ``text``."""
    deadline = time.monotonic() + DEADLINE_S
    while text not in page.locator("h1").inner_text():
        assert time.monotonic() < deadline, f"{page.url}: never {text}"
        site.engine_pass()
        page.reload()


def test_a_rejected_row_is_fixed_in_the_his_and_requeued_from_the_page_until_it_succeeds(
    page: Page, site: ConsoleDemo
) -> None:
    visit = f"MZ{site.demo.day:%y%m%d}003"  # 黄小明 registered without his 电脑号
    log_in(page, site.url, OPERATOR, "/attention")
    page.locator("tr", has_text="缺少必填项").locator("a", has_text="查看").click()
    page.locator("#rows a", has_text=visit).first.click()
    assert (
        "缺少必填项：电脑号(aac001)" in page.content()
        and "被拒绝" in page.locator("h1").inner_text()
    )
    site.execute("UPDATE HIS_PATIENT SET AAC001 = '1000010001' WHERE PATIENT_ID = 'P0051'")
    page.reload()
    assert "1000010001" in page.locator(".his").inner_text()  # the fixed HIS data, as read now
    page.click("#requeue")
    assert "确认重新排队" in page.locator("#confirm").inner_text()
    assert "REJECTED" in page.locator("#plan").inner_text()
    page.click("#confirm")
    assert "已重新排队 1 条" in page.locator("#notice").inner_text()
    _until(page, site, "成功")
    assert (
        site.scalar(
            "SELECT status FROM wi_sync_status WHERE feed = 'op_registration' AND source_key = :k",
            k=visit,
        )
        == "SUCCEEDED"
    )
    page.goto(f"{site.url}/audit")
    row = page.locator("#audit tbody tr").first.inner_text()
    assert "重新排队" in row and visit in row and "REJECTED" in row and "PENDING" in row


def test_an_unknown_call_gets_its_verdict_with_the_clis_checks(
    page: Page, site: ConsoleDemo
) -> None:
    visit = f"MZ{site.demo.day:%y%m%d}009"
    site.demo.sim.add_faults(Fault("drop", "bizh110104"))  # lost before the platform saw it
    site.execute(
        "INSERT INTO HIS_OP_VISIT (VISIT_NO, PATIENT_ID, VISIT_TIME, DEPT_CODE,"
        " DOCTOR_NO, CLERK_NO, IS_WORK_INJURY, DIAG_CODE, DIAG_NAME, CANCELLED,"
        " UPDATED_AT) SELECT :v, 'P0005', VISIT_TIME, DEPT_CODE, DOCTOR_NO, CLERK_NO,"
        " '1', DIAG_CODE, DIAG_NAME, '0', UPDATED_AT FROM HIS_OP_VISIT"
        " WHERE VISIT_NO = :old",
        v=visit,
        old=f"MZ{site.demo.day:%y%m%d}002",
    )
    site.engine_pass()
    log_in(page, site.url, OPERATOR, f"/row/op_registration/{visit}")
    assert "结果未知" in page.locator("h1").inner_text()
    assert "到平台核对" in page.locator("#advice").inner_text()
    page.click("#processed")  # without the platform's aaz218: the operator module refuses
    page.click("#confirm")
    assert "未执行" in page.locator("#refused").inner_text()
    assert "aaz218" in page.locator("#refused").inner_text()
    page.goto(f"{site.url}/row/op_registration/{visit}")
    assert "结果未知" in page.locator("h1").inner_text()
    page.click("#not-processed")
    assert "没有" in page.locator(".error").first.inner_text()  # the warning before re-sending
    page.click("#confirm")
    assert "重新发送 1 条" in page.locator("#notice").inner_text()
    _until(page, site, "成功")
    page.goto(f"{site.url}/audit")
    rows = page.locator("#audit tbody tr").all_inner_texts()
    assert "平台未处理，重新发送" in rows[0] and "UNKNOWN" in rows[0]
    assert any("登记平台已处理" in r and "refused" in r for r in rows[1:3])
