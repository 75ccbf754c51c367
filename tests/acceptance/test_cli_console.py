"""The console's commands as an operator runs them (the installed ``syncd`` in a subprocess,
on a kept demo): ``user add|list|remove``, ``list``, ``show`` (masked, and an audited
``--reveal``), ``init-db`` upgrading an older archive, and ``syncd console`` serving."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

SYNCD = shutil.which("syncd") or str(Path(os.sys.executable).with_name("syncd"))
CLERK = "何静"  # the demo's admitting clerk: a name, masked unless revealed


def _run(
    site: Path, *args: str, stdin: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    result = subprocess.run(
        [SYNCD, "--config", str(site / "syncd.yaml"), *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("console") / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    subprocess.run(
        [SYNCD, "demo", "--keep", str(folder), "--no-progress"],
        env=env,
        capture_output=True,
        timeout=180,
        check=True,
    )
    return folder


def _rows(site: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(site / "his.db") as conn:
        return list(conn.execute(sql))


def test_users_are_added_listed_and_removed_with_an_argon2_hash(site: Path) -> None:
    _run(
        site, "user", "add", "li", "--role", "operator", "--password-stdin", stdin="a long secret\n"
    )
    listed = _run(site, "user", "list").stdout
    assert "li\toperator" in listed
    (stored,) = _rows(site, "SELECT password_hash FROM wi_user WHERE username = 'li'")
    assert str(stored[0]).startswith("$argon2id$") and "secret" not in str(stored[0])
    again = _run(
        site,
        "user",
        "add",
        "li",
        "--role",
        "viewer",
        "--password-stdin",
        stdin="another secret\n",
        check=False,
    )
    assert again.returncode != 0 and "已存在" in again.stderr
    weak = _run(
        site,
        "user",
        "add",
        "wu",
        "--role",
        "viewer",
        "--password-stdin",
        stdin="abc\n",
        check=False,
    )
    assert weak.returncode != 0 and "至少 8 个字符" in weak.stderr
    _run(site, "user", "remove", "li")
    assert "li\t" not in _run(site, "user", "list").stdout
    assert _run(site, "user", "remove", "li", check=False).returncode != 0


def test_list_finds_rejected_blocked_and_a_persons_rows(site: Path) -> None:
    rejected = _run(site, "list", "--status", "REJECTED").stdout
    assert "业务互斥" in rejected and "缺少必填项：电脑号(aac001)" in rejected
    blocked = json.loads(_run(site, "list", "--status", "BLOCKED", "--json").stdout)["rows"]
    assert len(blocked) == 5 and {r["feed"] for r in blocked} == {"ip_fee"}
    assert all(r["blocked"] and r["status"] == "WAITING" for r in blocked)
    person = json.loads(_run(site, "list", "--person", "1000010004", "--json").stdout)["rows"]
    assert {(r["feed"], r["status"]) for r in person} == {
        ("ip_admission", "REJECTED"),
        ("ip_fee", "WAITING"),
    }
    assert _run(site, "list", "--feed", "op_refund").stdout.count("#") == 2


def test_show_tells_a_rows_story_masked_and_an_audited_reveal(site: Path) -> None:
    (visit,) = _rows(
        site,
        "SELECT source_key FROM wi_sync_status WHERE feed = 'ip_admission' AND status = 'REJECTED'",
    )
    shown = _run(site, "show", "ip_admission", str(visit[0])).stdout
    assert "业务互斥" in shown and "bizh120103" in shown and "<aac001>" in shown
    assert "怎么办" in shown and "请参保人到原医院办结" in shown
    assert CLERK not in shown and "何*" in shown
    assert "<session_id>********</session_id>" in shown
    before = _rows(site, "SELECT COUNT(*) FROM wi_audit WHERE action = 'reveal'")[0][0]
    revealed = _run(site, "show", "ip_admission", str(visit[0]), "--reveal").stdout
    assert CLERK in revealed
    audit = _rows(site, "SELECT username, feed, source_key FROM wi_audit WHERE action = 'reveal'")
    assert len(audit) == before + 1 and str(audit[-1][0]).startswith("cli:")
    assert audit[-1][1:] == ("ip_admission", visit[0])
    command = _run(site, "show", "op_refund", "11").stdout
    assert "已经办理过退费" in command and "HIS 命令被拒绝" in command
    missing = _run(site, "show", "ip_admission", "NO-SUCH", check=False)
    assert missing.returncode != 0 and "没有记录" in missing.stderr


def test_init_db_upgrades_an_older_archive_and_fills_it_in(site: Path, tmp_path: Path) -> None:
    older = tmp_path / "older"
    shutil.copytree(site, older)
    with sqlite3.connect(older / "his.db") as conn:
        for name in ("ix_person", "ix_visit", "ix_function", "ix_code", "ix_fn_code", "ix_source"):
            conn.execute(f"DROP INDEX wi_message_{name}")
        conn.execute("ALTER TABLE wi_message DROP COLUMN aac001")
        conn.execute("ALTER TABLE wi_message DROP COLUMN fields_v")
    text = (older / "syncd.yaml").read_text(encoding="utf-8")
    (older / "syncd.yaml").write_text(text.replace(str(site), str(older)), encoding="utf-8")
    out = _run(older, "init-db").stdout
    assert "added column wi_message.aac001" in out and "created index wi_message_ix_person" in out
    (count,) = _rows(older, "SELECT COUNT(*) FROM wi_message")[0]
    assert f"filled in the search columns of {count} archived message(s)" in out
    assert _rows(older, "SELECT COUNT(*) FROM wi_message WHERE fields_v = 1") == [(count,)]
    assert _rows(older, "SELECT COUNT(DISTINCT aac001) FROM wi_message")[0][0] >= 4
    assert "nothing to do" in _run(older, "init-db").stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_syncd_console_serves_the_login_page_on_loopback_until_sigterm(site: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    proc = subprocess.Popen(
        [SYNCD, "--config", str(site / "syncd.yaml"), "console", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline, answer = time.monotonic() + 30, None
        while time.monotonic() < deadline and answer is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer is not None and answer.status_code == 200 and "登录" in answer.text
        page = httpx.get(f"http://127.0.0.1:{port}/attention", timeout=5)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert "default-src 'none'" in answer.headers["content-security-policy"]
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        assert ready.status_code == 200 and ready.json()["database"] is True
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert f"http://127.0.0.1:{port}/" in out


def _wait_for(url: str) -> httpx.Response:
    deadline = time.monotonic() + 60
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            assert time.monotonic() < deadline, f"nothing answers at {url}"
            time.sleep(0.1)


def test_syncd_run_serves_the_console_with_the_daemons_metrics_when_enabled(site: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    env.update(
        SYNCD_CONSOLE__ENABLED="true",
        SYNCD_CONSOLE__PORT=str(port),
        SYNCD_MONITORING__LISTEN=f"127.0.0.1:{_free_port()}",
    )
    proc = subprocess.Popen(
        [SYNCD, "--config", str(site / "syncd.yaml"), "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        login = _wait_for(f"http://127.0.0.1:{port}/login")
        assert login.status_code == 200 and "登录" in login.text
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
        assert metrics.status_code == 200 and 'syncd_rows{feed="ip_fee",status="SUCCEEDED"}' in (
            metrics.text
        )  # the daemon's own gauges, without a login
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code in (200, 503)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=90)
    assert proc.returncode == 0, err
