"""Ed-Fi default descriptor code values → Homeroom's values (grades, sex, race, flags, language).

Matching is on the code value (the part after `#`), case- and space-insensitive, so a state's
own namespace with the Ed-Fi code values maps too. A code value not known here is passed on as
it is, so that validation names it (a grade) or keeps the student with the field empty (sex).
"""

from __future__ import annotations

from homeroom.interop.edfi.descriptors import code_value

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
# ISO 639-2/3 (Ed-Fi LanguageDescriptor code values) → ISO 639-1 for common home languages.
LANGUAGES = {
    "eng": "en", "spa": "es", "vie": "vi", "chi": "zh", "zho": "zh", "cmn": "zh", "yue": "zh",
    "ara": "ar", "tgl": "tl", "fil": "tl", "kor": "ko", "rus": "ru", "hmn": "",
    "som": "so", "hat": "ht", "por": "pt", "fre": "fr", "fra": "fr", "ger": "de", "deu": "de",
    "urd": "ur", "hin": "hi", "ben": "bn", "pan": "pa", "jpn": "ja", "pol": "pl", "ukr": "uk",
    "amh": "am", "nep": "ne", "far": "fa", "per": "fa", "fas": "fa", "pus": "ps", "swa": "sw",
    "mya": "my", "bur": "my", "khm": "km", "lao": "lo", "tha": "th", "ita": "it", "guj": "gu",
    "tel": "te", "tam": "ta", "mar": "mr", "tur": "tr", "heb": "he", "gre": "el", "ell": "el",
    "nav": "nv", "smo": "sm", "ton": "to", "cha": "ch", "mah": "mh", "haw": "",
    "ilo": "", "chk": "", "kar": "", "mon": "mn", "rum": "ro", "ron": "ro", "srp": "sr",
    "hrv": "hr", "bos": "bs", "alb": "sq", "sqi": "sq", "arm": "hy", "hye": "hy", "geo": "ka",
    "kat": "ka", "dut": "nl", "nld": "nl", "swe": "sv", "nor": "no", "dan": "da", "fin": "fi",
    "hun": "hu", "cze": "cs", "ces": "cs", "slo": "sk", "slk": "sk", "bul": "bg", "lit": "lt",
    "lav": "lv", "est": "et", "ind": "id", "may": "ms", "msa": "ms", "tir": "ti", "orm": "om",
    "kin": "rw", "yor": "yo", "ibo": "ig", "hau": "ha", "wol": "wo", "lin": "ln", "kur": "ku",
    "uzb": "uz", "kaz": "kk", "mal": "ml", "kan": "kn", "sin": "si", "tib": "bo", "bod": "bo",
    "spanish": "es", "english": "en", "vietnamese": "vi", "arabic": "ar", "chinese": "zh",
}  # fmt: skip


def key(descriptor: str | None) -> str:
    return " ".join(code_value(descriptor or "").split()).casefold()


def grade(descriptor: str | None) -> str | None:
    """PK/TK/KG/01…12, or None when the code value is not a grade Homeroom knows."""
    return GRADES.get(key(descriptor))


def sex(descriptor: str | None) -> str | None:
    word = key(descriptor)
    if not word or word in NOT_GIVEN:
        return None
    return SEX.get(word, code_value(descriptor or ""))


def race(descriptor: str | None) -> str | None:
    word = key(descriptor)
    for fragment, value in RACES:
        if fragment in word:
            return value
    return None


def home_language(descriptor: str | None) -> str | None:
    word = key(descriptor)
    if not word:
        return None
    if len(word) == 2:
        return word
    # A language with no two-letter code (Hmong, Chuukese …) is passed on; validation empties it.
    return LANGUAGES.get(word) or code_value(descriptor or "")


def english_learner(descriptor: str | None) -> bool | None:
    """Ed-Fi LimitedEnglishProficiency: `Limited` is an English learner; `NotLimited` and the
    monitored (former EL) values are not."""
    word = key(descriptor).replace(" ", "")
    if not word:
        return None
    return word == "limited" or word == "limitedenglishproficient"
