"""The console's server: an address in use is a configuration error at start-up (so
``syncd run`` stops with exit 78 instead of running without its console); the monitoring
endpoints answer without a login, the pages do not."""

from __future__ import annotations

import socket

import httpx
import pytest
from starlette.applications import Starlette

from syncd.console.server import ConsoleServer
from syncd.core.errors import ConfigError


def test_an_address_in_use_is_a_configuration_error_naming_the_setting() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError) as refused:
            ConsoleServer(Starlette(), "127.0.0.1", port)
    assert "console.port" in str(refused.value) and str(port) in str(refused.value)


def test_a_server_started_on_port_0_answers_and_stops() -> None:
    server = ConsoleServer(Starlette(), "127.0.0.1", 0)
    server.start()
    try:
        assert httpx.get(server.url + "/nothing", timeout=5).status_code == 404
    finally:
        server.stop()
    with pytest.raises(httpx.TransportError):
        httpx.get(server.url + "/nothing", timeout=2)
