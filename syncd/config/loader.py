"""Load the settings file, apply ``SYNCD_…`` environment overrides, attach secrets.

Order of precedence (later wins): the YAML file, then environment variables named
``SYNCD_<SECTION>__<KEY>`` (e.g. ``SYNCD_DATABASE__URL``, ``SYNCD_POLLING__BATCH_SIZE``;
list/dict values as JSON).  Secrets never come from the YAML; each is read from, in order:

1. the environment: ``SYNCD_PLATFORM__PASSWORD`` / ``SYNCD_DATABASE__PASSWORD`` /
   ``SYNCD_RECONCILE__SMTP__PASSWORD`` (the report mail's SMTP login);
2. the file named by ``password_file`` (in the YAML or ``SYNCD_…__PASSWORD_FILE``);
3. the systemd credential ``platform-password`` / ``database-password`` / ``smtp-password``
   in ``$CREDENTIALS_DIRECTORY`` (``LoadCredential=``).

All problems of a file are collected and raised together as one :class:`ConfigError`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError

from syncd.config.settings import Settings
from syncd.config.yamlfile import Located, load_yaml, validation_problems
from syncd.core.bilingual import zh_en
from syncd.core.errors import ConfigError, ConfigProblem

ENV_PREFIX = "SYNCD_"
CONFIG_ENV = "SYNCD_CONFIG"
_SECRET_SECTIONS = ("platform", "database", "reconcile.smtp")
_RELATIVE_PATHS = (
    ("folders", "mappings"),
    ("folders", "reports"),
    ("platform", "password_file"),
    ("database", "password_file"),
    ("database", "oracle_client_dir"),
    ("reconcile", "smtp", "password_file"),
)


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read, override, validate and complete the settings; ConfigError lists every problem."""
    env = os.environ if environ is None else environ
    located = load_yaml(path)
    if not isinstance(located.data, dict):
        message = zh_en(
            "设置文件须由各小节组成（键值映射）", "the settings file must be a mapping of sections"
        )
        raise ConfigError([located.problem((), message)])
    problems = list(located.problems) + _secrets_in_yaml(located)
    env_paths = _apply_env(located.data, env)
    _resolve_paths(located.data, path.parent)
    try:
        settings = Settings.model_validate(located.data)
    except ValidationError as exc:
        problems += [_env_aware(p, loc, env_paths) for p, loc in _with_locs(exc, located)]
        raise ConfigError(sorted(problems, key=_order)) from None
    if problems:
        raise ConfigError(problems)
    return _attach_secrets(settings, env, located)


def _order(problem: ConfigProblem) -> tuple[bool, int, int]:
    return (problem.line == 0, problem.line, problem.column)


def config_path(option: str | None, environ: Mapping[str, str] | None = None) -> Path:
    """The settings file: ``--config``, else ``$SYNCD_CONFIG``, else ``./syncd.yaml``."""
    env = os.environ if environ is None else environ
    return Path(option or env.get(CONFIG_ENV) or "syncd.yaml")


def _secrets_in_yaml(located: Located) -> list[ConfigProblem]:
    problems = []
    for section in _SECRET_SECTIONS:
        block = _block(located.data, section)
        if isinstance(block, dict) and "password" in block:
            block.pop("password")
            problems.append(
                located.problem(
                    (*section.split("."), "password"),
                    zh_en(
                        f"'{section}.password' 不能写在设置文件中",
                        f"'{section}.password' must not be written in the settings file",
                    ),
                    _secret_hint(section),
                )
            )
    return problems


def _secret_hint(section: str) -> str:
    """Where the password of ``section`` may come from."""
    variable, file, credential = (
        f"{env_name(section)}__PASSWORD",
        f"{section}.password_file",
        (_credential(section)),
    )
    return zh_en(
        f"设置环境变量 {variable}、'{file}'，或 systemd 凭据 '{credential}'",
        f"set {variable}, or '{file}', or a systemd credential '{credential}'",
    )


def secret_missing(section: str) -> ConfigProblem:
    """The problem of a password that none of its sources holds."""
    return ConfigProblem(
        f"{section}.password",
        0,
        0,
        zh_en("未配置密码", "no password is set"),
        _secret_hint(section),
    )


def setting_problem(
    settings_file: Path,
    path: tuple[str, ...],
    message: str,
    hint: str = "",
    environ: Mapping[str, str] | None = None,
) -> ConfigProblem:
    """A problem with the setting at ``path`` (found after loading, e.g. against the mappings):
    naming the environment variable that set it, else at its ``file:line:column``, else at the
    file (the setting has its default value)."""
    env = os.environ if environ is None else environ
    for n in range(len(path), 1, -1):
        variable = ENV_PREFIX + "__".join(path[:n]).upper()
        if variable in env:
            return ConfigProblem(
                zh_en(f"环境变量 {variable}", f"environment variable {variable}"),
                0,
                0,
                message,
                hint,
            )
    try:
        located = load_yaml(settings_file)
    except ConfigError:  # it loaded a moment ago: name the file all the same
        located = Located(file=str(settings_file), data={})
    if path in located.positions:
        return located.problem(path, message, hint)
    return ConfigProblem(f"{settings_file}（默认值 / default）", 0, 0, message, hint)


def _block(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def env_name(section: str) -> str:
    """``reconcile.smtp`` → ``SYNCD_RECONCILE__SMTP``."""
    return ENV_PREFIX + "__".join(section.upper().split("."))


def _credential(section: str) -> str:
    """The systemd credential of a section: ``platform-password``, ``smtp-password``."""
    return f"{section.rpartition('.')[2]}-password"


def _apply_env(data: dict[str, Any], env: Mapping[str, str]) -> dict[tuple[str, ...], str]:
    """Overlay SYNCD_SECTION__KEY variables onto ``data``; return which paths came from env."""
    applied: dict[tuple[str, ...], str] = {}
    for name, raw in sorted(env.items()):
        if not name.startswith(ENV_PREFIX) or "__" not in name or name.endswith("__PASSWORD"):
            continue
        parts = tuple(p.lower() for p in name[len(ENV_PREFIX) :].split("__"))
        target = data
        for part in parts[:-1]:
            target = target.setdefault(part, {}) if isinstance(target, dict) else {}
        if isinstance(target, dict):
            target[parts[-1]] = _env_value(raw)
            applied[parts] = name
    return applied


def _env_value(raw: str) -> Any:
    if raw[:1] in "[{":
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _resolve_paths(data: dict[str, Any], base: Path) -> None:
    for *sections, key in _RELATIVE_PATHS:
        block = _block(data, ".".join(sections))
        if isinstance(block, dict) and isinstance(block.get(key), str):
            block[key] = str(base / Path(block[key]).expanduser())


def _with_locs(
    exc: ValidationError, located: Located
) -> list[tuple[ConfigProblem, tuple[Any, ...]]]:
    problems = validation_problems(exc, located, Settings)
    return [(p, tuple(e["loc"])) for p, e in zip(problems, exc.errors(), strict=True)]


def _env_aware(
    problem: ConfigProblem, loc: tuple[Any, ...], env_paths: dict[tuple[str, ...], str]
) -> ConfigProblem:
    path = tuple(str(p) for p in loc)
    name = next(
        (env_paths[path[:n]] for n in range(len(path), 0, -1) if path[:n] in env_paths), None
    )
    if name is None:
        return problem
    where = zh_en(f"环境变量 {name}", f"environment variable {name}")
    return ConfigProblem(where, 0, 0, problem.message, problem.hint)


def _attach_secrets(settings: Settings, env: Mapping[str, str], located: Located) -> Settings:
    updates: dict[str, Any] = {}
    problems: list[ConfigProblem] = []
    for section in _SECRET_SECTIONS:
        block: Any = settings
        for part in section.split("."):
            block = getattr(block, part)
        try:
            secret = _read_secret(section, block.password_file, env)
        except OSError as exc:
            problems.append(
                located.problem(
                    (*section.split("."), "password_file"),
                    zh_en(
                        f"无法读取 {section} 密码文件：{exc.strerror}",
                        f"cannot read the {section} password file: {exc.strerror}",
                    ),
                    zh_en(
                        "检查路径，以及 syncd 用户能否读取",
                        "check the path and that the syncd user may read it",
                    ),
                )
            )
            continue
        if secret is not None:
            updates[section] = block.model_copy(update={"password": SecretStr(secret)})
    if problems:
        raise ConfigError(problems)
    for section, block in updates.items():
        settings = _replace(settings, section.split("."), block)
    return settings


def _replace(model: Any, path: list[str], value: Any) -> Any:
    """``model`` with the (nested) section at ``path`` replaced by ``value``."""
    if len(path) == 1:
        return model.model_copy(update={path[0]: value})
    inner = _replace(getattr(model, path[0]), path[1:], value)
    return model.model_copy(update={path[0]: inner})


def _read_secret(section: str, password_file: Path | None, env: Mapping[str, str]) -> str | None:
    from_env = env.get(f"{env_name(section)}__PASSWORD")
    if from_env:
        return from_env
    file_name = env.get(f"{env_name(section)}__PASSWORD_FILE")
    path = Path(file_name) if file_name else password_file
    if path is None and env.get("CREDENTIALS_DIRECTORY"):
        candidate = Path(env["CREDENTIALS_DIRECTORY"]) / _credential(section)
        path = candidate if candidate.exists() else None
    if path is None:
        return None
    return path.read_text(encoding="utf-8").strip()
