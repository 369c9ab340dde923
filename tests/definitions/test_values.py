"""Reading one value of a definition file: the same checks for the profile and [signals]."""

from __future__ import annotations

import ast
from fractions import Fraction
from pathlib import Path

import pytest

import homeroom.definitions.values as values
from homeroom.definitions.values import (
    DefinitionError,
    amount,
    number_text,
    percent_text,
    share,
    whole,
    words,
)

HERE = Path("mine.toml")


@pytest.mark.parametrize("given", [0.1, "10%", "1/10", 10, " 10 % "])
def test_a_share_in_every_spelling_is_exact(given: object) -> None:
    assert share(HERE, "k", given) == Fraction(1, 10)


@pytest.mark.parametrize("given", [True, "ten", "1/0", -0.1, 101])
def test_a_bad_share_names_the_file_and_key(given: object) -> None:
    with pytest.raises(DefinitionError, match=r"mine\.toml: 'k' must be"):
        share(HERE, "k", given)


def test_whole_numbers() -> None:
    assert whole(HERE, "k", 3, 2) == 3
    with pytest.raises(DefinitionError, match="k must be a whole number; got 2.5"):
        whole(HERE, "k", 2.5, 0)
    with pytest.raises(DefinitionError, match="k must be 2 or more; got 1"):
        whole(HERE, "k", 1, 2)
    with pytest.raises(DefinitionError, match="whole number"):
        whole(HERE, "k", True, 0)


def test_amounts_may_be_partial() -> None:
    assert amount(HERE, "k", 2.5, True) == Fraction(5, 2)
    assert amount(HERE, "k", "5/2", True) == Fraction(5, 2)
    assert amount(HERE, "k", 0, False) == 0
    with pytest.raises(DefinitionError, match="k must be above 0; got 0"):
        amount(HERE, "k", 0, True)
    with pytest.raises(DefinitionError, match="k must be 0 or more"):
        amount(HERE, "k", -1, False)
    with pytest.raises(DefinitionError, match="k must be a number such as 2"):
        amount(HERE, "k", "two", False)


def test_words_and_numbers_in_words() -> None:
    assert words(HERE, "k", ["KG", 1]) == ("KG", "1")
    with pytest.raises(DefinitionError, match="k must be a list"):
        words(HERE, "k", "KG")
    assert (number_text(Fraction(2)), number_text(Fraction(5, 2)), number_text(None)) == (
        "2",
        "2.5",
        "-",
    )
    assert percent_text(Fraction(3, 40)) == "7.5%"


def test_the_values_module_imports_no_other_definitions_module() -> None:
    # It sits under profile and signals, so neither can import the other through it.
    tree = ast.parse(Path(values.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    }
    assert not {m for m in imported if m.startswith("homeroom")}
