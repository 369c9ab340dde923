"""The ISO 639-1 table home_language is checked against, generated from Debian's iso-codes."""

from __future__ import annotations

from pathlib import Path

from homeroom.contract import languages

CSV = Path(languages.__file__).with_name("languages.csv")


def test_the_table_holds_every_iso_639_1_code_and_nothing_else() -> None:
    codes = languages.codes()
    assert len(codes) == 185  # ISO 639-1's 183 current codes and the withdrawn bh and sh
    assert {"en", "es", "zh", "tl", "nv", "ht", "sq", "yi", "cy"} <= set(codes)
    assert not {"xx", "zz", "qq"} & set(codes)
    assert all(len(code) == 2 and code.isalpha() and code.islower() for code in codes)


def test_three_letter_codes_are_ed_fis_bibliographic_ones() -> None:
    assert languages.three_letter("fr") == "fre"
    assert languages.three_letter("DE") == "ger"
    assert languages.three_letter("zh") == "chi"
    assert languages.three_letter("sq") == "alb"
    assert languages.three_letter("xx") is None


def test_three_letter_codes_and_the_hand_picked_folds_come_back_to_two() -> None:
    assert languages.two_letter("fre") == languages.two_letter("fra") == "fr"
    assert languages.two_letter("cmn") == languages.two_letter("yue") == "zh"
    assert languages.two_letter("fil") == "tl"
    assert languages.two_letter("hmn") is None  # Hmong has no two-letter code


def test_the_generated_file_says_where_it_came_from() -> None:
    header = CSV.read_text(encoding="utf-8").splitlines()[:2]
    assert "tools/make_languages.py" in header[0] and "iso-codes" in header[0]
