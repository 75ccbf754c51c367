"""What every command shares: the settings, loaded once and only when a command needs them."""

from __future__ import annotations

from functools import cached_property

from syncd.config import Settings, config_path, load_settings
from syncd.logs import setup_logging


class CliContext:
    def __init__(self, config_option: str | None) -> None:
        self.config_option = config_option

    @property
    def config_file(self) -> str:
        return str(config_path(self.config_option))

    @cached_property
    def settings(self) -> Settings:
        settings = load_settings(config_path(self.config_option))
        log = settings.logging
        setup_logging(log.level, log.format, log.private_fields)
        return settings
