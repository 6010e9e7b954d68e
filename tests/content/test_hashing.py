from portal.content.hashing import content_hash, normalise_text


def test_line_endings_trailing_spaces_and_blank_runs_do_not_change_the_hash():
    plain = "## Rules\n\nBe kind.\n"
    messy = "## Rules  \r\n\r\n\r\n\r\nBe kind.\t\r\n\r\n"
    assert normalise_text(messy) == plain
    assert content_hash(messy) == content_hash(plain)


def test_any_change_of_words_changes_the_hash():
    assert content_hash("Be kind.") != content_hash("Be kind!")


def test_unicode_forms_that_look_the_same_hash_the_same():
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    assert content_hash(composed) == content_hash(decomposed)
