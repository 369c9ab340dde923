"""The ISO 639-1 languages `home_language` may hold, and their three-letter codes.

The table (languages.csv beside this module) is generated from Debian's iso-codes by
tools/make_languages.py and committed, so nothing outside the package is read at run time.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

# Individual languages that districts record but ISO 639-1 files under a macrolanguage: Mandarin
# and Cantonese are written `zh`, Filipino `tl`, as state reporting does.
FOLDS = {"cmn": "zh", "yue": "zh", "fil": "tl"}


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1, two letters
    bibliographic: str  # ISO 639-2/B, the code value of Ed-Fi's LanguageDescriptor
    terminology: str  # ISO 639-2/T
    name: str


@cache
def languages() -> dict[str, Language]:
    """Every ISO 639-1 language by its two-letter code."""
    text = files("homeroom.contract").joinpath("languages.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return {row["code"]: Language(**row) for row in csv.DictReader(lines)}


def codes() -> tuple[str, ...]:
    """The two-letter codes, sorted."""
    return tuple(sorted(languages()))


def three_letter(code: str) -> str | None:
    """ISO 639-1 → ISO 639-2/B (`fr` → `fre`), None for a code that is not ISO 639-1."""
    language = languages().get(code.strip().lower())
    return language.bibliographic if language else None


def two_letter(code: str) -> str | None:
    """ISO 639-2/B, 639-2/T or a folded 639-3 code → ISO 639-1 (`fre`, `fra` → `fr`;
    `cmn` → `zh`); None when the language has no two-letter code."""
    code = code.strip().lower()
    if code in FOLDS:
        return FOLDS[code]
    for language in languages().values():
        if code in (language.bibliographic, language.terminology):
            return language.code
    return None
