"""The feeds of a deployment, and the settings that name them (nothing configured is ignored).

:func:`load_feeds` loads the mappings of ``folders.mappings`` (against the platform catalogue
with the configured function ids) and then checks every setting keyed by a feed name
(:data:`FEED_KEYED`): a name that no fact-view mapping defines — a typo like
``inpatient_fee`` for ``ip_fee``, or a command feed, which ``polling.command_interval_s``
paces — is a :class:`ConfigError` at the setting's ``file:line:column`` (or naming the
environment variable that set it), with a did-you-mean.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from syncd.config.loader import setting_problem
from syncd.config.mappings import load_mappings
from syncd.config.settings import Settings
from syncd.core.bilingual import zh_en
from syncd.core.errors import ConfigError, ConfigProblem
from syncd.core.records import Watermark
from syncd.mapping import FeedSpec, names
from syncd.protocol import catalogue

# Settings whose keys are feed names (section, key); each applies to fact-view feeds only.
FEED_KEYED: tuple[tuple[str, str], ...] = (
    ("polling", "feed_intervals_s"),
    ("polling", "watermarks"),
)


def load_feeds(
    settings: Settings, settings_file: Path, environ: Mapping[str, str] | None = None
) -> dict[str, FeedSpec]:
    """Every feed by name; ConfigError for a bad mapping or a setting naming no feed
    (``environ``: the environment the settings were loaded with, default ``os.environ``)."""
    ids = settings.platform.function_ids.model_dump()
    feeds = load_mappings(settings.folders.mappings, catalogue.load(ids))
    problems = feed_name_problems(settings, feeds, settings_file, environ)
    if problems:
        raise ConfigError(problems)
    return feeds


def feed_name_problems(
    settings: Settings,
    feeds: dict[str, FeedSpec],
    settings_file: Path,
    environ: Mapping[str, str] | None = None,
) -> list[ConfigProblem]:
    views = sorted(name for name, spec in feeds.items() if not spec.source.is_command)
    problems = []
    for section, key in FEED_KEYED:
        for name in getattr(getattr(settings, section), key):
            if name not in views:
                message, hint = _why(f"{section}.{key}", name, feeds, views)
                path = (section, key, name)
                problems.append(setting_problem(settings_file, path, message, hint, environ))
    return problems


def _why(setting: str, name: str, feeds: dict[str, FeedSpec], views: list[str]) -> tuple[str, str]:
    if name in feeds:
        message = zh_en(
            f"{setting} 中的 '{name}' 是命令，按 polling.command_interval_s 轮询",
            f"'{name}' in {setting} is a command, paced by polling.command_interval_s",
        )
        return message, zh_en("删除此项", "remove this entry")
    message = zh_en(
        f"{setting} 中的 '{name}' 不是任何映射定义的业务",
        f"'{name}' in {setting} is not a feed any mapping defines",
    )
    return message, names.did_you_mean(name, views)


def watermark_of(settings: Settings, spec: FeedSpec) -> Watermark | None:
    """The feed's watermark: ``polling.watermarks`` (``column: null``: none), else the
    mapping's ``source.watermark`` with ``polling.full_scan_s``, else none."""
    mark = settings.polling.watermarks.get(spec.feed)
    if mark is not None:
        return Watermark(mark.column, mark.lookback, mark.full_scan_s) if mark.column else None
    declared = spec.source.watermark
    if declared is None:
        return None
    return Watermark(declared.column, declared.lookback, settings.polling.full_scan_s)
