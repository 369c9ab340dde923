"""Ed-Fi default descriptor code values → Homeroom's values (grades, sex, race, flags, language).

Matching is on the code value (the part after `#`), case- and space-insensitive, so a state's
own namespace with the Ed-Fi code values maps too. A code value not known here is passed on as
it is, so that validation names it (a grade) or keeps the student with the field empty (sex).
"""

from __future__ import annotations

from functools import cache, lru_cache

from homeroom.contract.languages import languages, two_letter
from homeroom.interop.edfi.descriptors import code_value

# A district has a few hundred distinct descriptors and each is looked up for every record that
# names it: the answers are kept (a bound, so odd data cannot grow them without end).
_REMEMBERED = 4096

_ORDINALS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
]
GRADES: dict[str, str] = {
    **{f"{word} grade": f"{n:02d}" for n, word in enumerate(_ORDINALS, start=1)},
    "kindergarten": "KG",
    "transitional kindergarten": "TK",
    "preschool/prekindergarten": "PK",
    "prekindergarten": "PK",
    "pre-kindergarten": "PK",
    "early education": "PK",
}
GRADE_ORDER = ("PK", "TK", "KG", *(f"{n:02d}" for n in range(1, 13)))

SEX = {"female": "F", "male": "M", "non-binary": "X", "nonbinary": "X", "x": "X"}
NOT_GIVEN = {"not selected", "choose not to respond", "unknown", "not reported"}

RACES = (
    ("two or more", "two_or_more"),
    ("multiracial", "two_or_more"),
    ("american indian", "american_indian_alaska_native"),
    ("alaska", "american_indian_alaska_native"),
    ("asian", "asian"),
    ("black", "black"),
    ("african american", "black"),
    ("hawaiian", "native_hawaiian_pacific_islander"),
    ("pacific islander", "native_hawaiian_pacific_islander"),
    ("white", "white"),
)

# Student characteristics (and indicator names) → the contract's flags.
CHARACTERISTICS = {
    "economic disadvantaged": "economically_disadvantaged",
    "economically disadvantaged": "economically_disadvantaged",
    "low income": "economically_disadvantaged",
    "homeless": "homeless",
    "unaccompanied youth": "homeless",
    "migratory": "migrant",
    "migrant": "migrant",
    "foster care": "foster_care",
    "parent in military": "military_connected",
    "military connected": "military_connected",
    "section 504 handicapped": "section_504",
    "section 504": "section_504",
}
# Program types (of student program associations) → flags.
PROGRAMS = {
    "special education": "students_with_disabilities",
    "section 504 placement": "section_504",
    "homeless": "homeless",
    "migrant education": "migrant",
    "english as a second language (esl)": "english_learner",
    "bilingual": "english_learner",
    "bilingual summer": "english_learner",
    "foster care": "foster_care",
}


@lru_cache(maxsize=_REMEMBERED)
def key(descriptor: str | None) -> str:
    return " ".join(code_value(descriptor or "").split()).casefold()


@lru_cache(maxsize=_REMEMBERED)
def grade(descriptor: str | None) -> str | None:
    """PK/TK/KG/01…12, or None when the code value is not a grade Homeroom knows."""
    return GRADES.get(key(descriptor))


@lru_cache(maxsize=_REMEMBERED)
def sex(descriptor: str | None) -> str | None:
    word = key(descriptor)
    if not word or word in NOT_GIVEN:
        return None
    return SEX.get(word, code_value(descriptor or ""))


@lru_cache(maxsize=_REMEMBERED)
def race(descriptor: str | None) -> str | None:
    word = key(descriptor)
    for fragment, value in RACES:
        if fragment in word:
            return value
    return None


@lru_cache(maxsize=_REMEMBERED)
def home_language(descriptor: str | None) -> str | None:
    word = key(descriptor)
    if not word:
        return None
    if len(word) == 2:
        return word
    # Ed-Fi's LanguageDescriptor code values are ISO 639-2 (or 639-3) codes or, in some ODSs,
    # English names; both map through the one language table (contract.languages). A language
    # with no two-letter code (Hmong, Chuukese …) is passed on; validation empties it.
    return two_letter(word) or _by_name().get(word) or code_value(descriptor or "")


@cache
def _by_name() -> dict[str, str]:
    """English language names → ISO 639-1 ("spanish" → "es"; "Spanish; Castilian" both ways)."""
    names: dict[str, str] = {}
    for language in languages().values():
        for name in language.name.split(";"):
            names.setdefault(name.strip().casefold(), language.code)
    return names


@lru_cache(maxsize=_REMEMBERED)
def english_learner(descriptor: str | None) -> bool | None:
    """Ed-Fi LimitedEnglishProficiency: `Limited` is an English learner; `NotLimited` and the
    monitored (former EL) values are not."""
    word = key(descriptor).replace(" ", "")
    if not word:
        return None
    return word == "limited" or word == "limitedenglishproficient"
