from portal.content.diff import readable_diff, words_changed

OLD = """## Being safe

I ask before I go online.

I keep my password secret.

## Being kind

I am kind in chat.
"""


def test_changed_words_are_marked_in_text_not_colour_alone():
    new = OLD.replace("I keep my password secret.", "I keep my password to myself.")
    diff = readable_diff(OLD, new)
    assert '<del><span class="diff-label">Removed:</span> secret.</del>' in diff.html
    assert '<ins><span class="diff-label">Added:</span> to myself.</ins>' in diff.html
    assert diff.summary == "1 part changed"


def test_added_and_removed_paragraphs_are_counted_and_labelled():
    new = OLD.replace("I am kind in chat.\n", "I am kind in chat.\n\nI ask before I use AI.\n")
    new = new.replace("I ask before I go online.\n\n", "")
    diff = readable_diff(OLD, new)
    assert (
        '<p class="diff-block diff-added"><ins><span class="diff-label">Added:</span> I ask '
        "before I use AI.</ins></p>" in diff.html
    )
    assert "Removed:</span> I ask before I go online.</del>" in diff.html
    assert (diff.added, diff.removed) == (1, 1)


def test_unchanged_paragraphs_fold_but_headings_stay_for_context():
    new = OLD.replace("I am kind in chat.", "I am kind in every chat.")
    html = readable_diff(OLD, new).html
    assert "2 parts unchanged" in html
    assert "<strong>Being safe</strong>" in html
    assert "<strong>Being kind</strong>" in html
    assert "I keep my password secret." not in html


def test_markdown_marks_and_link_targets_are_not_shown():
    old = "Read **the rules** and [the table](/tables/x/index.md).\n"
    new = "Read **the new rules** and [the table](/tables/x/index.md).\n"
    html = readable_diff(old, new).html
    assert "**" not in html
    assert "/tables/x" not in html
    assert "the table." in html


def test_text_is_escaped():
    html = readable_diff("A <b> tag\n", "A <i> tag\n").html
    assert "<i>" not in html
    assert "&lt;i&gt;" in html


def test_identical_texts_say_so():
    assert readable_diff(OLD, OLD).summary == "No changes to the text"


def test_each_list_item_is_compared_on_its_own():
    old = "## Rules\n\n- I am kind.\n- I ask first.\n- I log out.\n"
    new = "## Rules\n\n- I am kind.\n- I always ask first.\n- I log out.\n"
    diff = readable_diff(old, new)
    assert diff.summary == "1 part changed"
    assert '• I <ins><span class="diff-label">Added:</span> always </ins>ask first.' in diff.html
    assert "I am kind" not in diff.html


def test_a_new_heading_shows_as_a_heading_without_markdown_marks():
    diff = readable_diff("## Old\n\nText.\n", "## Old\n\nText.\n\n## Using AI\n\nAsk.\n")
    assert '<strong><ins><span class="diff-label">Added:</span> Using AI</ins></strong>' in (
        diff.html
    )
    assert "#" not in diff.html


def test_words_changed_counts_each_word_replaced_removed_or_added_once():
    before = "## Help\n\nAsk **Mrs Helen Okafor** about [anything](/help.md) at all.\n"
    # Nine words as read: Markdown marks and the link's address are not words.
    assert words_changed(before, before) == (0, 9)
    assert words_changed(before, before.replace("Mrs Helen Okafor", "Mr Tom Ellis")) == (3, 9)
    assert words_changed(before, before.replace("about", "")) == (1, 9)
    assert words_changed(before, before.replace("about", "about anything and")) == (2, 9)
