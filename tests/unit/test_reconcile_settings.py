"""The `reconcile:` settings: defaults, the SMTP password as a secret like the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.config import load_settings
from syncd.core.errors import ConfigError

GOOD = """\
hospital:
  akb020: H44030600001
database:
  url: sqlite:///his.db
platform:
  userid: SS0001
"""
SMTP = """\
reconcile:
  smtp:
    host: mail.example.org
    to: [yibao@example.org]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "syncd.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_keep_id_numbers_and_names_out_and_mail_off(tmp_path: Path) -> None:
    r = load_settings(_write(tmp_path, GOOD), {}).reconcile
    assert (r.include_id_numbers, r.include_names, r.settlement_view) == (
        False,
        False,
        "V_WI_SETTLEMENT_DAY",
    )
    assert r.smtp.host == "" and r.smtp.password is None and r.record_due_days == 7


def test_smtp_password_comes_from_env_then_file_then_credential(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + SMTP + "    password_file: smtp.txt\n")
    (tmp_path / "smtp.txt").write_text("from-file\n", encoding="utf-8")
    env = load_settings(path, {"SYNCD_RECONCILE__SMTP__PASSWORD": "from-env"}).reconcile.smtp
    assert env.password is not None and env.password.get_secret_value() == "from-env"
    assert env.host == "mail.example.org"  # the rest of the section is kept
    from_file = load_settings(path, {}).reconcile.smtp
    assert from_file.password is not None
    assert from_file.password.get_secret_value() == "from-file"
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "smtp-password").write_text("cred", encoding="utf-8")
    plain = _write(tmp_path, GOOD + SMTP)
    cred = load_settings(plain, {"CREDENTIALS_DIRECTORY": str(creds)}).reconcile.smtp
    assert cred.password is not None and cred.password.get_secret_value() == "cred"


def test_smtp_password_in_the_file_is_refused_with_its_position(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + SMTP + "    password: hunter2\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, {})
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (11, 5)
    assert "'reconcile.smtp.password' must not be written" in problem.message
    assert "SYNCD_RECONCILE__SMTP__PASSWORD" in problem.hint and "smtp-password" in problem.hint


def test_a_view_name_that_is_not_an_identifier_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + "reconcile:\n  settlement_view: V; DROP TABLE x\n")
    with pytest.raises(ConfigError, match="settlement_view"):
        load_settings(path, {})
