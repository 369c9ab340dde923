"""Words for the values people read: here, home languages from the one ISO 639 table."""


def test_home_languages_are_named_from_the_one_language_table():
    from homeroom.reports.labels import group_label

    assert group_label("home_language", "es") == "Spanish"
    assert group_label("home_language", "so") == "Somali"  # not in the old hand list's order
    assert group_label("home_language", "my") == "Burmese"  # was printed as "my" before
    assert group_label("home_language", "ht") == "Haitian Creole"
    assert group_label("home_language", "xx") == "xx"
