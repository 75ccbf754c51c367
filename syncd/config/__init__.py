"""Settings: the YAML file, environment overrides and secrets, validated into frozen models."""

from __future__ import annotations

from syncd.config.loader import CONFIG_ENV, config_path, load_settings
from syncd.config.settings import Settings

__all__ = ["CONFIG_ENV", "Settings", "config_path", "load_settings"]
