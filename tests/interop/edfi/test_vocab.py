"""Ed-Fi descriptor code values read into Homeroom's values."""


def test_edfi_language_descriptors_read_through_the_one_table():
    from homeroom.interop.edfi.vocab import home_language

    prefix = "uri://ed-fi.org/LanguageDescriptor#"
    assert home_language(prefix + "spa") == "es"
    assert home_language(prefix + "Spanish") == "es"
    assert home_language(prefix + "bur") == "my"
    assert home_language(prefix + "cmn") == "zh"  # folded
    assert home_language(prefix + "hmn") == "hmn"  # no two-letter code: validation empties it
