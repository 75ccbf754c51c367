"""The shipped example settings file is valid and documents every setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from syncd.config import Settings, load_settings
from syncd.config.operations_settings import WebhookSettings
from syncd.config.yamlfile import load_yaml

EXAMPLE = Path(__file__).resolve().parents[2] / "syncd.example.yaml"


def _model_paths(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    paths = set()
    for name, info in model.model_fields.items():
        if info.exclude:
            continue
        paths.add((*prefix, name))
        annotation: Any = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths |= _model_paths(annotation, (*prefix, name))
    return paths


def test_example_config_loads() -> None:
    settings = load_settings(EXAMPLE, {})
    assert settings.hospital.name == "中山大学附属第七医院"


def test_example_config_mentions_every_setting() -> None:
    located = load_yaml(EXAMPLE)
    written = {tuple(str(p) for p in path) for path in located.positions}
    missing = sorted(".".join(p) for p in _model_paths(Settings) - written)
    assert not missing, f"syncd.example.yaml lacks: {missing}"


def test_example_config_describes_the_keys_of_list_items() -> None:
    """Keys of a list's items (``alerts.webhooks``) cannot be written as defaults: the example
    names each of them in its comments."""
    text = EXAMPLE.read_text(encoding="utf-8")
    item_keys = [name for name, info in WebhookSettings.model_fields.items() if not info.exclude]
    assert item_keys and all(f"{name}:" in text for name in item_keys)
    assert all(f"{fmt}" in text for fmt in ("wecom", "dingtalk", "json"))
