"""Settings: every problem reported at once with file:line, env overrides, secrets never in YAML."""

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


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "syncd.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_settings(path, env or {})
    return [str(p) for p in info.value.problems]


def test_minimal_file_loads_with_documented_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD), {})
    assert settings.hospital.akb020 == "H44030600001"
    assert settings.platform.fee_rows_per_call == 300
    assert settings.platform.function_ids.settlement_slip == "bizh120206"
    assert settings.city.fee_delete_allowed is False
    assert settings.platform.password is None


def test_misspelt_key_and_missing_value_are_both_reported_with_line_and_hint(
    tmp_path: Path,
) -> None:
    text = GOOD.replace("  userid: SS0001\n", "  usrid: SS0001\n")
    found = problems_of(write(tmp_path, text))
    assert len(found) == 2
    missing, unknown = found
    assert missing.startswith(
        f"{tmp_path / 'syncd.yaml'}:5:1: 缺少必填项 'platform.userid' / missing required value "
        "'platform.userid'"
    )
    assert "add 'userid: ...' under platform" in missing
    assert unknown.startswith(
        f"{tmp_path / 'syncd.yaml'}:6:3: 未知的键 'platform.usrid' / unknown key 'platform.usrid'"
    )
    assert "提示 / hint: 是否应为 'userid'？ / did you mean 'userid'?" in unknown


def test_password_in_yaml_is_refused_with_the_alternatives(tmp_path: Path) -> None:
    found = problems_of(write(tmp_path, GOOD + "  password: hunter2\n"))
    assert len(found) == 1
    assert (
        ":7:3: 'platform.password' 不能写在设置文件中 / 'platform.password' must not be written"
        in (found[0])
    )
    assert "SYNCD_PLATFORM__PASSWORD" in found[0]
    assert "hunter2" not in found[0]


def test_duplicate_keys_are_problems_not_silently_last_wins(tmp_path: Path) -> None:
    found = problems_of(write(tmp_path, GOOD + "  userid: OTHER\n"))
    duplicate = "重复的键 'userid'（首次出现在第 6 行） / duplicate key 'userid' (first at line 6)"
    assert any(f":7:3: {duplicate}" in p for p in found)


def test_yaml_syntax_error_names_the_position(tmp_path: Path) -> None:
    found = problems_of(write(tmp_path, GOOD + "polling: [unclosed\n"))
    assert len(found) == 1 and "YAML syntax error" in found[0]
    assert f"{tmp_path / 'syncd.yaml'}:8:" in found[0]


def test_environment_overrides_the_file_and_is_blamed_for_its_own_errors(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    settings = load_settings(
        path, {"SYNCD_POLLING__BATCH_SIZE": "50", "SYNCD_LOGGING__PRIVATE_FIELDS": '["bka025"]'}
    )
    assert settings.polling.batch_size == 50
    assert settings.logging.private_fields == ["bka025"]
    found = problems_of(path, {"SYNCD_POLLING__BATCH_SIZE": "many"})
    assert found[0].startswith(
        "环境变量 SYNCD_POLLING__BATCH_SIZE / environment variable SYNCD_POLLING__BATCH_SIZE: "
    )


def test_unknown_environment_section_is_an_error_but_unrelated_variables_are_ignored(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, GOOD)
    load_settings(path, {"SYNCD_TEST_PG_URL": "x", "SYNCD_CONFIG": "y"})
    found = problems_of(path, {"SYNCD_PLATFROM__URL": "http://x"})
    assert "unknown key 'platfrom'" in found[0]
    assert "did you mean 'platform'?" in found[0]


def test_secrets_come_from_env_then_file_then_systemd_credentials(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "  password_file: secret.txt\n")
    (tmp_path / "secret.txt").write_text("from-file\n", encoding="utf-8")
    from_env = load_settings(path, {"SYNCD_PLATFORM__PASSWORD": "from-env"})
    assert from_env.platform.password is not None
    assert from_env.platform.password.get_secret_value() == "from-env"
    from_file = load_settings(path, {})
    assert from_file.platform.password is not None
    assert from_file.platform.password.get_secret_value() == "from-file"
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "database-password").write_text("db-cred", encoding="utf-8")
    from_cred = load_settings(path, {"CREDENTIALS_DIRECTORY": str(creds)})
    assert from_cred.database.password is not None
    assert from_cred.database.password.get_secret_value() == "db-cred"


def test_secrets_never_appear_in_dumps_or_repr(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD), {"SYNCD_PLATFORM__PASSWORD": "s3cr3t-pw"})
    assert "s3cr3t-pw" not in repr(settings)
    assert "s3cr3t-pw" not in settings.model_dump_json()


def test_unreadable_password_file_is_a_config_problem(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "  password_file: missing.txt\n")
    found = problems_of(path)
    assert ":7:3: 无法读取 platform 密码文件" in found[0]
    assert "/ cannot read the platform password file" in found[0]


def test_relative_folders_are_relative_to_the_settings_file(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD + "folders:\n  reports: out\n"), {})
    assert settings.folders.reports == tmp_path / "out"


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD), {})
    with pytest.raises(ValueError):
        settings.hospital.akb020 = "other"  # type: ignore[misc]


ORACLE = GOOD.replace("sqlite:///his.db", "oracle+oracledb://syncd@his-db:1521/?service_name=HIS")


def test_oracle_client_dir_is_relative_to_the_settings_file_and_off_by_default(
    tmp_path: Path,
) -> None:
    assert load_settings(write(tmp_path, ORACLE), {}).database.oracle_client_dir is None
    text = ORACLE.replace("database:\n", "database:\n  oracle_client_dir: instantclient_19_23\n")
    settings = load_settings(write(tmp_path, text), {})
    assert settings.database.oracle_client_dir == tmp_path / "instantclient_19_23"


def test_oracle_client_dir_for_another_database_is_a_problem_not_ignored(tmp_path: Path) -> None:
    text = GOOD.replace(
        "  url: sqlite:///his.db\n",
        "  url: postgresql+psycopg://syncd@db/his\n  oracle_client_dir: /opt/oracle/ic\n",
    )
    (found,) = problems_of(write(tmp_path, text))
    assert (
        ":5:3:" in found and "oracle_client_dir" in found and "only applies to an oracle" in found
    )


def test_monitoring_and_alert_settings_default_and_validate(tmp_path: Path) -> None:
    """monitoring.listen 127.0.0.1:9468 by default, null = off, a bad address with its line;
    alert mail without the reconciliation's SMTP server is an error, not silently dropped."""
    settings = load_settings(write(tmp_path, GOOD), {})
    assert settings.monitoring.address() == ("127.0.0.1", 9468)
    assert settings.alerts.enabled and settings.alerts.inactivity.working_days == [1, 2, 3, 4, 5]
    off = load_settings(write(tmp_path, GOOD + "monitoring:\n  listen: null\n"), {})
    assert off.monitoring.address() is None
    v6 = load_settings(write(tmp_path, GOOD + "monitoring:\n  listen: '[::1]:9500'\n"), {})
    assert v6.monitoring.address() == ("::1", 9500)
    (bad,) = problems_of(write(tmp_path, GOOD + "monitoring:\n  listen: 'localhost'\n"))
    assert bad.startswith(f"{tmp_path / 'syncd.yaml'}:8:") and "host:port" in bad
    hours = GOOD + "alerts:\n  inactivity:\n    working_hours: ['18:00', '08:00']\n"
    assert "start before end" in problems_of(write(tmp_path, hours))[0]
    mail = GOOD + "alerts:\n  mail:\n    to: [yibao@example.org]\n"
    assert "reconcile.smtp.host" in problems_of(write(tmp_path, mail))[0]
