"""The operations console in a real browser (Debian's Chromium through Playwright), on a demo
day: logging in, the refusals (no session, no CSRF token, a viewer acting), finding a
patient's messages, masked values for a viewer and an operator's audited reveal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.browser.console_support import OPERATOR, VIEWER, ConsoleDemo, console_demo, log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

PERSON = "1000010004"  # the demo's patient whose admission was refused (业务互斥)
FROZEN_NAME, FROZEN_ID, FROZEN_PHONE = "李秀英", "44030419920708362X", "13800000002"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleDemo]:
    yield from console_demo(tmp_path_factory.mktemp("console") / "demo")


def test_pages_need_a_login_and_a_wrong_password_is_refused(page: Page, site: ConsoleDemo) -> None:
    page.goto(f"{site.url}/attention")
    assert page.url.startswith(f"{site.url}/login?next=%2Fattention")
    assert "业务互斥" not in page.content()
    answer = page.request.get(f"{site.url}/row/ip_admission/ZY1", max_redirects=0)
    assert answer.status == 303 and answer.headers["location"].startswith("/login")
    refused = page.request.post(f"{site.url}/messages", form={"aac001": PERSON})
    assert refused.status == 403 and PERSON not in refused.text()
    page.fill("#username", OPERATOR[0])
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.locator("#error").inner_text()
    log_in(page, site.url, OPERATOR, "/attention")
    assert page.locator("#who").inner_text().startswith(OPERATOR[0])
    cookie = next(c for c in page.context.cookies() if c["name"] == "syncd_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"


def test_a_form_posted_without_its_csrf_token_is_refused(page: Page, site: ConsoleDemo) -> None:
    log_in(page, site.url, OPERATOR, "/messages")
    answer = page.request.post(f"{site.url}/messages", form={"aac001": PERSON})
    assert answer.status == 403 and "表单已过期" in answer.text()
    forged = page.request.post(f"{site.url}/messages", form={"aac001": PERSON, "csrf": "x" * 32})
    assert forged.status == 403
    before = site.scalar("SELECT COUNT(*) FROM wi_audit WHERE action = 'reveal'")
    page.goto(f"{site.url}/command/1")
    reveal = page.request.post(f"{site.url}/command/1", form={"reveal": "1"})
    assert reveal.status == 403 and FROZEN_NAME not in reveal.text()
    assert site.scalar("SELECT COUNT(*) FROM wi_audit WHERE action = 'reveal'") == before


def test_an_operator_finds_a_patients_messages_by_person_number(
    page: Page, site: ConsoleDemo
) -> None:
    log_in(page, site.url, OPERATOR, "/messages")
    page.fill("input[name=aac001]", PERSON)
    page.click("#search button[type=submit]")
    rows = page.locator("#found tbody tr")
    assert rows.count() >= 1 and PERSON not in page.url
    first = rows.first.inner_text()
    assert "bizh120103" in first and "被拒绝" in first and "-1" in first
    expected = site.scalar("SELECT COUNT(*) FROM wi_message WHERE aac001 = :p", p=PERSON)
    assert rows.count() == expected
    rows.first.locator("a", has_text="查看").click()
    assert "业务互斥" in page.locator("pre.reply").inner_text()
    request = page.locator("pre.request").inner_text()
    assert f"<aac001>{PERSON}</aac001>" in request and "<bka015>何*</bka015>" in request
    page.click("#visit")  # the visit's story
    assert page.locator("#timeline tbody tr").count() >= 7  # the admission and its waiting fees


def test_a_viewer_sees_masked_values_and_no_action(page: Page, site: ConsoleDemo) -> None:
    log_in(page, site.url, VIEWER, "/command/1")
    text = page.content()
    assert FROZEN_NAME not in text and FROZEN_ID not in text and FROZEN_PHONE not in text
    assert "李*英" in text and "4403**********362X" in text and "138****0002" in text
    assert page.locator("#actions").count() == 0 and page.locator("#reveal").count() == 0
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    refused = page.request.post(f"{site.url}/command/1", form={"reveal": "1", "csrf": csrf or ""})
    assert refused.status == 403 and FROZEN_NAME not in refused.text()
    page.goto(f"{site.url}/row/ip_admission/ZY{site.demo.day:%y%m%d}004")
    assert "何静" not in page.content() and page.locator("#actions").count() == 0


def test_an_operators_reveal_shows_the_values_and_is_audited(page: Page, site: ConsoleDemo) -> None:
    log_in(page, site.url, OPERATOR, "/command/1")
    assert FROZEN_NAME not in page.content()
    page.click("#reveal")  # a form post: wait for the page it answers with, not the old one
    page.get_by_text("正在显示完整信息").wait_for()
    assert FROZEN_NAME in page.content() and FROZEN_ID in page.content()
    page.goto(f"{site.url}/audit")
    latest = page.locator("#audit tbody tr").first.inner_text()
    assert "查看完整信息" in latest and OPERATOR[0] in latest and FROZEN_NAME not in latest
    page.goto(f"{site.url}/command/1")
    assert FROZEN_NAME not in page.content()  # a reveal is for that one page


def test_the_days_reconciliation_and_the_base_data_are_one_click_away(
    page: Page, site: ConsoleDemo
) -> None:
    log_in(page, site.url, VIEWER, "/reconciliation")
    runs = site.scalar("SELECT COUNT(*) FROM wi_recon_run WHERE status = 'DONE'")
    assert page.locator("#runs tbody tr").count() == runs
    assert page.locator("#mismatches").inner_text() == str(
        site.scalar("SELECT mismatch_count FROM wi_recon_run ORDER BY id DESC LIMIT 1")
    )
    with page.expect_download() as download:
        page.click("#run a:text('XLSX')")
    assert download.value.suggested_filename.endswith(".xlsx")
    report = page.request.get(
        f"{site.url}{page.locator('#run a', has_text='HTML').get_attribute('href')}"
    )
    assert report.status == 200 and "对账" in report.text()
    assert page.request.get(f"{site.url}/reports/1/../../syncd.yaml").status == 404
    page.goto(f"{site.url}/basedata")
    categories = page.locator("#code-tables tbody tr")
    assert categories.count() >= 1 and "从未下载" not in categories.first.inner_text()


def _database_counts(site: ConsoleDemo) -> dict[tuple[str, str], int]:
    with site.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT feed, status, COUNT(*) FROM wi_sync_status GROUP BY feed, status"
        ).all()
        commands = conn.exec_driver_sql(
            "SELECT status, COUNT(*) FROM wi_request GROUP BY status"
        ).all()
    found = {(str(f), str(s)): int(n) for f, s, n in rows}
    as_feed = {"NEW": "PENDING", "DONE": "SUCCEEDED"}
    found.update({("(commands)", as_feed.get(str(s), str(s))): int(n) for s, n in commands})
    return found


def test_the_dashboards_numbers_are_the_databases_and_it_refreshes_itself(
    page: Page, site: ConsoleDemo
) -> None:
    log_in(page, site.url, VIEWER, "/")
    db = _database_counts(site)
    columns = {
        "pending": "PENDING",
        "waiting": "WAITING",
        "in_flight": "IN_FLIGHT",
        "unknown": "UNKNOWN",
        "failed": "FAILED",
        "succeeded_today": "SUCCEEDED",
        "rejected_today": "REJECTED",
    }  # every row of the demo finished today
    feeds = page.locator("#counts tbody tr")
    assert feeds.count() == len({f for f, _ in db}) >= 10
    for i in range(feeds.count()):
        row = feeds.nth(i)
        feed = row.get_attribute("data-feed") or ""
        for column, status in columns.items():
            shown = int(row.locator(f"td[data-col={column}]").inner_text())
            if column == "waiting":  # a WAITING row behind a refused predecessor shows as blocked
                shown += int(row.locator("td[data-col=blocked]").inner_text() or 0)
            assert shown == db.get((feed, status), 0), (feed, column)
    blocked = page.locator("tr[data-feed=ip_fee] td[data-col=blocked]").inner_text()
    assert (
        int(blocked)
        == site.scalar(
            "SELECT COUNT(*) FROM wi_sync_status WHERE feed = 'ip_fee' AND status = 'WAITING'"
        )
        == 5
    )
    assert "bizh" in page.locator("#last-call").inner_text()
    pending = page.locator("tr[data-feed='(commands)'] td[data-col=pending]")
    assert pending.inner_text() == "0"
    site.execute(
        "INSERT INTO wi_request (command, requested_by) VALUES ('fund_status_query',"
        " 'dashboard-test')"
    )
    try:
        page.wait_for_function(
            "() => document.querySelector(\"tr[data-feed='(commands)'] td[data-col=pending]\")"
            ".textContent.trim() === '1'",
            timeout=15_000,
        )  # no reload: the page's own refresh
    finally:
        site.execute("DELETE FROM wi_request WHERE requested_by = 'dashboard-test'")
