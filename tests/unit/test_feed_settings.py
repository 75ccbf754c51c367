"""Settings that name feeds must name feeds the mappings define (nothing configured is ignored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.config import load_settings
from syncd.config.feeds import load_feeds
from syncd.core.errors import ConfigError
from syncd.resources import shipped, shipped_mappings

EXAMPLE = shipped("syncd.example.yaml")


def _settings_file(tmp_path: Path, polling: str) -> Path:
    path = tmp_path / "syncd.yaml"
    path.write_text(
        "hospital: {akb020: H1}\ndatabase: {url: 'sqlite:///x.db'}\nplatform: {userid: A}\n"
        f"folders: {{mappings: '{shipped_mappings()}'}}\npolling:\n{polling}",
        encoding="utf-8",
    )
    return path


def _problems(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    env = environ or {}
    with pytest.raises(ConfigError) as caught:
        load_feeds(load_settings(path, env), path, env)
    return [str(p) for p in caught.value.problems]


def test_the_example_settings_name_only_feeds_the_shipped_mappings_define() -> None:
    settings = load_settings(EXAMPLE, {"SYNCD_FOLDERS__MAPPINGS": str(shipped_mappings())})
    assert "ip_fee" in load_feeds(settings, EXAMPLE)


def test_a_feed_interval_for_no_feed_is_an_error_at_its_line_with_did_you_mean(
    tmp_path: Path,
) -> None:
    path = _settings_file(
        tmp_path,
        "  feed_intervals_s: {ip_fee: 5}\n  watermarks:\n    inpatient_fee: {column: UPDATED_AT}\n",
    )
    (problem,) = _problems(path)
    assert problem.startswith(
        f"{path}:8:5: polling.watermarks 中的 'inpatient_fee' 不是任何映射定义的业务 / "
        "'inpatient_fee' in polling.watermarks is not a feed any mapping defines"
    )
    assert "did you mean 'ip_fee'?" in problem


def test_a_command_feed_in_feed_intervals_is_an_error_too(tmp_path: Path) -> None:
    (problem,) = _problems(_settings_file(tmp_path, "  feed_intervals_s: {ip_settle: 1}\n"))
    assert "'ip_settle' in polling.feed_intervals_s is a command, paced by " in problem


def test_a_feed_name_set_by_the_environment_names_the_variable(tmp_path: Path) -> None:
    path = _settings_file(tmp_path, "  batch_size: 100\n")
    (problem,) = _problems(path, {"SYNCD_POLLING__FEED_INTERVALS_S": '{"ip_fe": 5}'})
    assert problem.startswith(
        "环境变量 SYNCD_POLLING__FEED_INTERVALS_S / environment variable "
        "SYNCD_POLLING__FEED_INTERVALS_S: "
    )


def test_an_unknown_function_id_key_is_an_error_with_did_you_mean(tmp_path: Path) -> None:
    path = tmp_path / "syncd.yaml"
    path.write_text(
        "hospital: {akb020: H1}\ndatabase: {url: 'sqlite:///x.db'}\nplatform:\n"
        "  userid: A\n  function_ids: {settlement_slp: bizh120206}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    (problem,) = [str(p) for p in caught.value.problems]
    assert problem.startswith(f"{path}:5:18: 未知的键 'platform.function_ids.settlement_slp'")
    assert "did you mean 'settlement_slip'?" in problem


def test_the_shipped_fee_feed_searches_by_its_watermark_unless_a_setting_says_otherwise(
    tmp_path: Path,
) -> None:
    """Shipped defaults: ip_fee's view is searched from FEE_ID (the mapping's watermark),
    fully every polling.full_scan_s; a setting changes the column or turns it off."""
    from syncd.config.feeds import watermark_of

    def mark(polling: str) -> object:
        path = _settings_file(tmp_path, polling)
        settings = load_settings(path, {})
        feeds = load_feeds(settings, path, {})
        return watermark_of(settings, feeds["ip_fee"]), watermark_of(
            settings, feeds["ip_discharge"]
        )

    fee, discharge = mark("  full_scan_s: 600\n")
    assert (fee.column, fee.lookback, fee.full_scan_s) == ("FEE_ID", 2000, 600)  # type: ignore[attr-defined]
    assert discharge is None
    assert mark("  watermarks: {ip_fee: {column: null}}\n")[0] is None
    changed = mark("  watermarks: {ip_fee: {column: UPDATED_AT, lookback: 60}}\n")[0]
    assert (changed.column, changed.lookback) == ("UPDATED_AT", 60)  # type: ignore[attr-defined]
