"""The test workers' units and their order (tests/conftest.py): the Spark modules are one unit,
and units go out longest first."""

from __future__ import annotations

from scheduling import SPARK_UNIT, order_of_units, unit_of


def test_spark_modules_are_one_unit_and_others_their_module_or_class() -> None:
    assert unit_of("tests/publish/test_spark.py::test_cells") == SPARK_UNIT
    assert unit_of("tests/signals/test_flags_spark.py::test_x[a-b]") == SPARK_UNIT
    assert unit_of("tests/cli/test_metrics.py::test_columns[.csv]") == "tests/cli/test_metrics.py"
    assert unit_of("tests/web/test_x.py::Pages::test_y") == "tests/web/test_x.py::Pages"
    # A folder named after Spark does not make its modules Spark's.
    assert unit_of("tests/spark_docs/test_words.py::test_z") == "tests/spark_docs/test_words.py"


def test_longest_first_known_seconds_then_spark_then_most_tests() -> None:
    units = {
        "a.py": {"a::1": False},
        "b.py": {"b::1": False, "b::2": False, "b::3": False},
        "c.py": {"c::1": False, "c::2": False},
        SPARK_UNIT: {"s::1": False},
        "d.py": {"d::1": False},
    }
    # A clean clone: nothing measured.
    assert order_of_units(units, {}) == [SPARK_UNIT, "b.py", "c.py", "a.py", "d.py"]
    # Measured before: longest first, then what was not measured.
    seconds = {"a.py": 40.0, "c.py": 2.5, SPARK_UNIT: 30.0}
    assert order_of_units(units, seconds) == ["a.py", SPARK_UNIT, "c.py", "b.py", "d.py"]
