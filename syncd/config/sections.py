"""What every settings section shares: frozen pydantic models that reject unknown keys
(:class:`Section`), a validator's bilingual refusal (:func:`bad_setting`), the patterns of an
identifier and of an ``HH:MM`` time, and positive seconds."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from syncd.core.bilingual import zh_en

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,29}$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def bad_setting(zh: str, en: str) -> ValueError:
    """A validator's refusal, Chinese first (shown under the setting's file:line)."""
    return ValueError(zh_en(zh, en))


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


PositiveSeconds = Annotated[float, Field(gt=0)]
