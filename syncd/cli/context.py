"""What every command shares: the settings and the feeds, loaded once and only when a command
needs them (``syncd --help`` never loads pydantic, YAML or the mappings)."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from syncd.config import Settings
    from syncd.mapping import FeedSpec


class CliContext:
    def __init__(self, config_option: str | None) -> None:
        self.config_option = config_option
        self.credentials_dir: Path | None = None  # `check --credentials-dir`: as systemd would
        self.environ = dict(os.environ)

    @property
    def config_file(self) -> Path:
        from syncd.config import config_path

        return config_path(self.config_option)

    @cached_property
    def settings(self) -> Settings:
        from syncd.config import load_settings
        from syncd.logs import setup_logging

        if self.credentials_dir is not None:
            self.environ["CREDENTIALS_DIRECTORY"] = str(self.credentials_dir)
        settings = load_settings(self.config_file, self.environ)
        log = settings.logging
        setup_logging(log.level, log.format, log.private_fields)
        return settings

    @cached_property
    def feeds(self) -> dict[str, FeedSpec]:
        """The mappings of ``folders.mappings``; a setting that names no feed is a ConfigError."""
        from syncd.config.feeds import load_feeds

        return load_feeds(self.settings, self.config_file, self.environ)
