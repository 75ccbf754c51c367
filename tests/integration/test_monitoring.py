"""``/metrics``, ``/healthz`` and ``/readyz`` of a running daemon (real HTTP, the scrape parsed
with prometheus_client's own text parser), the shipped Prometheus rules and Grafana dashboard
against what is served, and a closed platform port seen as an outage, never a refused login."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from alert_support import free_port, wait_until
from engine_support import Env, admit, env
from prometheus_client.parser import text_string_to_metric_families

from syncd.config.operations_settings import AlertSettings, MonitoringSettings
from syncd.core.errors import ConfigError
from syncd.monitor.metrics import metric_names
from syncd.platform.health import PlatformHealth
from syncd.service.daemon import Daemon
from syncd.service.monitoring import CountsCache, Monitoring

__all__ = ["env"]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "monitoring"
OUTAGE = f"platform_unreachable@{socket.gethostname()[:30]}"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as reply:
            return reply.status, reply.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def _scrape(port: int) -> Samples:
    status, text = _get(port, "/metrics")
    assert status == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


@pytest.fixture
def daemon(env: Env) -> Iterator[Daemon]:
    env.settings = env.settings.model_copy(
        update={
            "monitoring": MonitoringSettings(listen="127.0.0.1:0", probe_every_s=0.2),
            "alerts": AlertSettings(evaluate_every_s=0.2, settle_s=0),
        }
    )
    running = Daemon(env.worker(), loop_s=0.05)
    thread = threading.Thread(target=running.run)
    thread.start()
    yield running
    running.request_stop()
    thread.join(30)


def test_a_running_daemon_serves_metrics_health_and_readiness(env: Env, daemon: Daemon) -> None:
    admit(env)
    wait_until(lambda: daemon.monitoring.server is not None, "the monitoring server")
    assert daemon.monitoring.server is not None
    port = daemon.monitoring.server.port
    wait_until(
        lambda: _value(_scrape(port), "syncd_rows", feed="ip_admission", status="SUCCEEDED") == 1,
        "the admission counted",
    )
    samples = _scrape(port)
    assert _value(samples, "syncd_database_up") == 1
    assert _value(samples, "syncd_platform_reachable") == 1
    assert (_value(samples, "syncd_platform_session_age_seconds") or -1) >= 0
    calls = _value(
        samples, "syncd_platform_calls_total", function="bizh120103", outcome="SUCCEEDED"
    )
    assert calls is not None and calls >= 1
    count = _value(samples, "syncd_platform_call_duration_seconds_count", function="bizh120103")
    assert count is not None and count >= 1
    assert _value(samples, "syncd_oldest_pending_age_seconds", feed="ip_admission") == 0
    last = _value(samples, "syncd_job_last_success_timestamp_seconds", job="feed:ip_admission")
    assert last is not None and last >= daemon.progress.since
    assert _get(port, "/healthz") == (200, json.dumps({"ok": True, "alive": True}))
    status, ready = _get(port, "/readyz")
    assert status == 200 and json.loads(ready)["database"] is True

    env.sim.stop()  # nothing to send: the idle probe finds the port closed
    wait_until(lambda: _value(_scrape(port), "syncd_platform_reachable") == 0, "unreachable")
    wait_until(
        lambda: _value(_scrape(port), "syncd_alert_active", alert=OUTAGE) == 1, "the alert raised"
    )
    env.sim.start()
    wait_until(
        lambda: _value(_scrape(port), "syncd_alert_active", alert=OUTAGE) == 0, "the alert cleared"
    )


def test_not_ready_without_a_session_while_the_platform_is_unreachable(env: Env) -> None:
    worker = env.worker()
    env.sim.stop()
    health = PlatformHealth()
    monitoring = Monitoring(worker, health, CountsCache(worker), lambda: True)
    monitoring.probe_if_idle()
    ok, details = monitoring.ready()
    assert (ok, details["database"], details["platform"]) == (False, True, False)
    worker.close()


def _names(expr: str) -> set[str]:
    return set(re.findall(r"\bsyncd_[a-z_]+", expr))


def _dashboard_exprs(doc: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in doc["panels"] for target in panel.get("targets", [])]


def test_every_metric_the_rules_and_the_dashboard_name_is_served(env: Env) -> None:
    worker = env.worker()
    monitoring = Monitoring(worker, PlatformHealth(), CountsCache(worker), lambda: True)
    monitoring.start()
    try:
        served = metric_names()
    finally:
        monitoring.stop()
        worker.close()
    rules = yaml.safe_load((DOCS / "alerts.yml").read_text(encoding="utf-8"))
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    assert len(exprs) >= 10 and all(
        rule["annotations"]["summary"] for group in rules["groups"] for rule in group["rules"]
    )
    dashboard = json.loads((DOCS / "grafana-dashboard.json").read_text(encoding="utf-8"))
    named = set().union(*map(_names, exprs + _dashboard_exprs(dashboard)))
    assert named and named <= served, f"not served: {sorted(named - served)}"
    assert {
        "syncd_rows",
        "syncd_oldest_pending_age_seconds",
        "syncd_platform_reachable",
        "syncd_unknown_resolutions_total",
    } <= named


def test_a_closed_platform_port_is_unreachable_once_and_never_a_refused_login(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    closed = f"http://127.0.0.1:{free_port()}/x"
    env.settings = env.settings.model_copy(
        update={"platform": env.settings.platform.model_copy(update={"url": closed})}
    )
    worker = env.worker()
    admit(env)
    with caplog.at_level(logging.INFO):
        for _ in range(2):  # max_attempts is 3: the row stays PENDING
            worker.once()
            env.clock.advance(120)
    events = [record.getMessage() for record in caplog.records]
    assert events.count("platform.unreachable") == 1
    assert "platform.login_refused" not in events
    row = env.status("ip_admission")["1"]
    assert row["status"] == "PENDING" and row["attempts"] == 2


def test_a_listen_address_in_use_stops_the_start_with_a_config_error(env: Env) -> None:
    """Nothing configured is silently ignored: the port is taken, syncd run does not start
    (exit 78 through the CLI) and gives everything back."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        env.settings = env.settings.model_copy(
            update={"monitoring": MonitoringSettings(listen=address)}
        )
        daemon = Daemon(env.worker(), loop_s=0.05)
        with pytest.raises(ConfigError) as info:
            daemon.run()
    assert "monitoring.listen" in str(info.value) and address in str(info.value)
    assert not daemon.scheduler.running
