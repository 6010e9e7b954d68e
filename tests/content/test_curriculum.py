"""Loading lessons and quizzes, and every kind of mistake named by file and line."""

import pytest

from portal.content import ContentErrors, load_lessons
from portal.content.scheme import allowed
from tests.factories import PROJECT_ROOT, ContentTree, CurriculumTree, true_false


@pytest.fixture
def lessons(tmp_path):
    return CurriculumTree(tmp_path)


def errors_of(lessons):
    with pytest.raises(ContentErrors) as caught:
        lessons.load()
    return [str(error) for error in caught.value.errors]


def test_a_lesson_loads_with_its_sections_and_quiz(lessons):
    lessons.lesson()
    curriculum = lessons.load()
    [lesson] = curriculum.lessons
    assert [s.heading for s in lesson.sections] == [
        "Story",
        "Key ideas",
        "What to do",
        "Who to tell",
    ]
    assert len(lesson.questions) == 5
    assert lesson.questions[0].correct_choices == frozenset({0})
    assert curriculum.band_of_year(1).id == "4-7"
    assert lesson.reading_grade <= 3


def test_an_unknown_outcome_names_the_line(lessons):
    lessons.lesson(outcomes=["or-ey-9"])
    assert any(
        "lessons/4-7/ey-or-ask.md:9: unknown outcome 'or-ey-9'" in e for e in errors_of(lessons)
    )


def test_an_outcome_from_another_band_is_refused(lessons):
    lessons.lesson(outcomes=["or-ks2-1"])
    assert any("outcome 'or-ks2-1' is for or ages 7-11" in e for e in errors_of(lessons))


def test_an_unknown_strand_is_refused(lessons):
    lessons.lesson(strands=["zz"])
    assert any("unknown strand 'zz'" in e for e in errors_of(lessons))


def test_a_quiz_with_no_correct_answer_is_refused(lessons):
    wrong = true_false(1)
    wrong["options"][0]["correct"] = False
    lessons.lesson(questions=[wrong, *[true_false(n) for n in range(2, 6)]])
    [message] = errors_of(lessons)
    assert message.startswith("curriculum/lessons/4-7/ey-or-ask.quiz.yml:2: ")
    assert "question 'q1' has no correct answer" in message


def test_a_question_on_an_outcome_the_lesson_does_not_teach(lessons):
    lessons.lesson(
        questions=[true_false(1, outcome="or-ey-2"), *[true_false(n) for n in range(2, 6)]]
    )
    assert any(
        "question 'q1' is mapped to 'or-ey-2', which the lesson does not teach" in e
        for e in errors_of(lessons)
    )


def test_an_image_without_alt_text_is_refused(lessons):
    body = LESSON_WITH_IMAGE.replace("ALT", "")
    path = lessons.lesson(body=body)
    line = path.read_text().splitlines().index("![](../../images/ok.svg)") + 1
    assert (
        f"curriculum/lessons/4-7/ey-or-ask.md:{line}: the image ../../images/ok.svg has no "
        "alt text: describe it in words" in errors_of(lessons)
    )


def test_text_too_hard_for_the_band_is_reported_with_its_grade(lessons):
    hard = (
        "Organisations systematically accumulate comprehensive behavioural information, "
        "subsequently monetising individuals' characteristics through sophisticated "
        "algorithmic personalisation."
    )
    lessons.lesson(body=LESSON_WITH_IMAGE.replace("Sam asks Dad first.", hard))
    assert any(
        "reads at grade" in e and "harder than the target for ages 4-7" in e
        for e in errors_of(lessons)
    )


def test_question_types_must_suit_the_band(lessons):
    single = true_false(1, type="single")
    lessons.lesson(questions=[single, *[true_false(n) for n in range(2, 6)]])
    assert any("type 'single' does not suit this age band" in e for e in errors_of(lessons))


def test_a_quiz_needs_five_questions(lessons):
    lessons.lesson(questions=[true_false(1)])
    assert any("a quiz needs at least 5 questions" in e for e in errors_of(lessons))


def test_sections_must_be_the_four_in_order(lessons):
    lessons.lesson(body="## Story\n\nText.\n\n## What to do\n\nText.\n")
    assert any(
        "the sections must be Story, Key ideas, What to do, Who to tell" in e
        for e in errors_of(lessons)
    )


def test_the_projects_curriculum_is_a_whole_scheme():
    """Every strand has a lesson for every year group, each with a quiz and teacher notes; the
    whole-scheme checks pass (`esafety check` makes the same ones)."""
    curriculum = load_lessons(PROJECT_ROOT / "curriculum", whole_scheme=True)
    for band in curriculum.bands:
        for year in band.year_groups:
            strands = {s for lesson in curriculum.year_sequence(year) for s in lesson.strands}
            assert strands == {s.id for s in curriculum.strands}, (band.id, year)
    assert all(len(lesson.questions) >= 5 for lesson in curriculum.lessons)
    assert all(lesson.notes is not None for lesson in curriculum.lessons)


LESSON_WITH_IMAGE = """## Story

![ALT](../../images/ok.svg)

Sam wants to play a game. Sam asks Dad first.

## Key ideas

- Ask a grown-up first.

## What to do

- Stop and ask.

## Who to tell

- Tell a grown-up you trust.
"""


def line_of(path, text):
    return path.read_text().splitlines().index(text) + 1


# --- Year groups --------------------------------------------------------------------------------


def test_a_lesson_needs_year_groups(lessons):
    lessons.lesson(year_groups=None)
    assert any(
        e.startswith("curriculum/lessons/4-7/ey-or-ask.md:2: ") and "missing 'year_groups'" in e
        for e in errors_of(lessons)
    )


def test_a_year_group_must_be_inside_the_band(lessons):
    path = lessons.lesson(year_groups=[3])
    line = line_of(path, "- 3")
    assert (
        f"curriculum/lessons/4-7/ey-or-ask.md:{line - 1}: year group 3 is not in ages 4-7: "
        "use 0, 1, 2 (0 for Reception)" in errors_of(lessons)
    )


def test_year_groups_are_whole_numbers(lessons):
    lessons.lesson(year_groups=["Reception"])
    assert any("'year_groups' are whole numbers" in e for e in errors_of(lessons))


def test_a_year_groups_lessons_come_in_strand_order(tmp_path):
    tree = CurriculumTree(tmp_path)
    ContentTree.write_yaml(
        tree.folder / "outcomes" / "si.yml",
        {"strand": "si", "outcomes": {"4-7": [{"id": "si-ey-1", "statement": "I can."}]}},
    )
    tree.lesson("ey-or-ask", year_groups=[1])
    si = [true_false(n, outcome="si-ey-1") for n in range(1, 6)]
    tree.lesson("ey-si-me", year_groups=[1], strands=["si"], outcomes=["si-ey-1"], questions=si)
    tree.lesson("ey-or-reception", year_groups=[0])
    curriculum = tree.load()
    assert [lesson.id for lesson in curriculum.year_sequence(1)] == ["ey-si-me", "ey-or-ask"]
    assert curriculum.lesson("ey-or-reception").year_groups == (0,)


# --- Teacher notes ------------------------------------------------------------------------------


def test_notes_load_with_every_field(lessons):
    lessons.lesson(notes={"sensitive": True, "sensitive_reason": "Some pupils may know this."})
    notes = lessons.load().lesson("ey-or-ask").notes
    assert [w.word for w in notes.key_words] == ["stranger", "trusted adult"]
    assert sum(step.minutes for step in notes.timing) == 20
    assert notes.sensitive
    assert notes.sensitive_reason == "Some pupils may know this."
    assert notes.send.startswith("Use the picture cards")
    assert notes.parent_guide_page == "parents/talking-with-your-child/"


def test_every_lesson_needs_notes(lessons):
    lessons.lesson().with_suffix(".notes.yml").unlink()
    assert errors_of(lessons) == [
        "curriculum/lessons/4-7/ey-or-ask.notes.yml: every lesson needs teacher notes next to "
        "it (.notes.yml)"
    ]


def test_every_notes_field_is_required(lessons):
    lessons.lesson(notes={"disclosure": None})
    assert errors_of(lessons) == [
        "curriculum/lessons/4-7/ey-or-ask.notes.yml:1: the teacher notes are missing 'disclosure'"
    ]


def test_the_timing_must_add_up_to_the_lessons_minutes(lessons):
    path = lessons.lesson(minutes=25)
    line = line_of(path.with_suffix(".notes.yml"), "timing:")
    assert errors_of(lessons) == [
        f"curriculum/lessons/4-7/ey-or-ask.notes.yml:{line}: the timing adds up to 20 minutes, "
        "but the lesson is 25 minutes"
    ]


def test_a_sensitive_lesson_says_why(lessons):
    path = lessons.lesson(notes={"sensitive": True})
    line = line_of(path.with_suffix(".notes.yml"), "sensitive_reason: ''")
    [message] = errors_of(lessons)
    assert message.startswith(f"curriculum/lessons/4-7/ey-or-ask.notes.yml:{line}: ")
    assert "the lesson is sensitive: say why in 'sensitive_reason'" in message


@pytest.mark.parametrize(
    "guide", ["parents/no-such-page.md", "../curriculum/framework.yml", "/etc/passwd.md"]
)
def test_the_parent_guide_must_be_a_page_of_the_site(lessons, guide):
    lessons.lesson(notes={"parent_guide": guide})
    [message] = errors_of(lessons)
    assert message.startswith("curriculum/lessons/4-7/ey-or-ask.notes.yml:")
    assert f"parent_guide '{guide}' is not a page under docs/" in message


def test_the_parent_guide_is_checked_against_the_docs_folder_given(lessons, tmp_path):
    lessons.lesson()
    with pytest.raises(ContentErrors, match="is not a page under docs/"):
        load_lessons(lessons.folder, docs_dir=tmp_path / "elsewhere")


def test_notes_lists_have_sensible_lengths(lessons):
    lessons.lesson(
        notes={"key_words": [{"word": "app", "meaning": "a program"}], "discussion": ["Why?"]}
    )
    errors = errors_of(lessons)
    assert any("'key_words' must be a list of 2 to 6 items" in e for e in errors)
    assert any("'discussion' must be a list of 3 to 6 items" in e for e in errors)


def test_notes_refuse_unknown_fields_and_half_adaptations(lessons):
    lessons.lesson(notes={"learning_intention": "To know.", "adaptations": {"send": "Cards."}})
    errors = errors_of(lessons)
    assert any("unknown field 'learning_intention'" in e for e in errors)
    assert any("'adaptations: eal' must be some text" in e for e in errors)


# --- The picture book (ages 4-7) ----------------------------------------------------------------

PICTURE_BOOK = """## Story

![Amira holding a tablet](../../images/ok.svg)

Amira is playing a star game.

![A box with a question mark](../../images/ok.svg)
A box pops up. It asks for her name.

## Key ideas

- Ask first.

## What to do

- Stop and ask.

## Who to tell

- A grown-up you trust.
"""


def test_a_picture_book_story_is_split_into_parts(lessons):
    lessons.lesson(body=PICTURE_BOOK)
    parts = lessons.load().lesson("ey-or-ask").story_parts
    assert [(p.image, p.alt, p.text) for p in parts] == [
        ("images/ok.svg", "Amira holding a tablet", "Amira is playing a star game."),
        ("images/ok.svg", "A box with a question mark", "A box pops up. It asks for her name."),
    ]


def test_words_without_their_own_picture_are_refused_at_their_line(lessons):
    body = PICTURE_BOOK.replace(
        "Amira is playing a star game.", "Amira is playing a star game.\n\nShe likes it."
    )
    path = lessons.lesson(body=body)
    line = line_of(path, "She likes it.")
    assert errors_of(lessons) == [
        f"curriculum/lessons/4-7/ey-or-ask.md:{line}: in a picture-book Story (ages 4-7) every "
        "paragraph comes right after its own picture: put a picture on the line before this one"
    ]


def test_a_picture_book_picture_needs_alt_text_and_a_file(lessons):
    body = PICTURE_BOOK.replace("![Amira holding a tablet](../../images/ok.svg)", "![](x.svg)")
    lessons.lesson(body=body)
    errors = errors_of(lessons)
    assert any("the image x.svg has no alt text" in e for e in errors)
    assert any("the image x.svg does not exist" in e for e in errors)


def test_older_bands_are_not_picture_books(lessons):
    lessons.lesson(
        "ks2-or-trust",
        band="7-11",
        outcomes=["or-ks2-1"],
        body=PICTURE_BOOK.replace("![Amira holding a tablet](../../images/ok.svg)\n", ""),
        questions=[true_false(n, outcome="or-ks2-1") for n in range(1, 6)],
    )
    assert lessons.load().lesson("ks2-or-trust").story_parts == ()


def picture_choice(number, options=3, outcome="or-ey-1"):
    return {
        "id": f"q{number}",
        "type": "picture-choice",
        "outcome": outcome,
        "text": "What should Sam do?",
        "options": [
            {
                "text": f"Choice {n}",
                "image": "images/ok.svg",
                "alt": f"Picture {n}",
                "correct": n == 0,
                "feedback": "Yes! Asking helps." if n == 0 else "Not quite. Sam should ask.",
            }
            for n in range(options)
        ],
    }


def test_a_picture_choice_has_exactly_three_options(lessons):
    path = lessons.lesson(
        questions=[picture_choice(1, options=2), *[picture_choice(n) for n in range(2, 6)]]
    )
    line = line_of(path.with_suffix(".quiz.yml"), "  options:")
    assert errors_of(lessons) == [
        f"curriculum/lessons/4-7/ey-or-ask.quiz.yml:{line}: question 'q1' is picture-choice, so "
        "it has exactly 3 options (found 2)"
    ]


# --- The scheme as a whole ----------------------------------------------------------------------

SMALL_FRAMEWORK = {
    "strands": [{"id": "or", "name": "Online relationships"}],
    "bands": [
        {
            "id": "4-7",
            "code": "ey",
            "name": "Ages 4 to 7",
            "year_groups": [0, 1, 2],
            "max_grade": 3,
        },
        {
            "id": "11-14",
            "code": "ks3",
            "name": "Ages 11 to 14",
            "year_groups": [7, 8, 9],
            "max_grade": 7,
        },
    ],
}


@pytest.fixture
def scheme(tmp_path):
    """One strand, two bands, a lesson for every year group: a whole scheme until a test
    breaks it."""
    tree = CurriculumTree(tmp_path, framework=SMALL_FRAMEWORK)
    ContentTree.write_yaml(
        tree.folder / "outcomes" / "or.yml",
        {
            "strand": "or",
            "outcomes": {
                "4-7": [{"id": "or-ey-1", "statement": "I can ask before I go online."}],
                "11-14": [{"id": "or-ks3-1", "statement": "I can act when a chat goes wrong."}],
            },
        },
    )
    for year in (0, 1, 2):
        tree.lesson(f"ey-or-year-{year}", year_groups=[year])
    for year in (7, 8, 9):
        older(tree, f"ks3-or-year-{year}", year)
    return tree


def scenario(number, right, wrong=("Reply to them and ask why", "Report it to a teacher")):
    """A scenario whose right answer is `right`; the wrong ones include a way to get help."""
    return {
        "id": f"q{number}",
        "type": "scenario",
        "outcome": "or-ks3-1",
        "text": "A stranger in a game keeps sending Leo messages. What should Leo do?",
        "options": [
            {"text": right, "correct": True, "feedback": "Yes. That stops it."},
            *[
                {"text": text, "correct": False, "feedback": "Not quite. Try another way."}
                for text in wrong
            ],
        ],
    }


def older(tree, lesson_id, year, questions=None):
    """Write an 11-14 lesson for `year` whose quiz is `questions` (by default five scenarios
    whose right answer is to block)."""
    quiz = questions or [
        scenario(n, "Block them", ("Reply to them and ask why", "Report them to a teacher"))
        for n in range(1, 6)
    ]
    return tree.lesson(
        lesson_id,
        band="11-14",
        year_groups=[year],
        outcomes=["or-ks3-1"],
        questions=quiz,
        minutes=20,
    )


def scheme_errors(tree):
    with pytest.raises(ContentErrors) as caught:
        tree.load(whole_scheme=True)
    return [str(error) for error in caught.value.errors]


def test_a_whole_scheme_passes(scheme):
    curriculum = scheme.load(whole_scheme=True)
    assert [lesson.id for lesson in curriculum.year_sequence(8)] == ["ks3-or-year-8"]


def test_the_portal_load_leaves_the_whole_scheme_checks_out(scheme):
    (scheme.folder / "lessons" / "4-7" / "ey-or-year-1.md").unlink()
    scheme.load()  # the portal starts, and shows the gap
    assert scheme_errors(scheme) == [
        "curriculum/framework.yml:5: ages 4-7: strand 'or' (Online relationships) has no lesson "
        "for Year 1: every strand needs a lesson for every year group (in lessons/4-7/)"
    ]


def test_a_missing_year_group_names_the_strand_and_the_years(scheme):
    for year in (0, 2):
        (scheme.folder / "lessons" / "4-7" / f"ey-or-year-{year}.md").unlink()
    assert (
        "curriculum/framework.yml:5: ages 4-7: strand 'or' (Online relationships) has no lesson "
        "for Reception, Year 2: every strand needs a lesson for every year group (in lessons/4-7/)"
    ) in scheme_errors(scheme)


def test_an_outcome_must_be_taught_and_asked(scheme):
    ContentTree.write_yaml(
        scheme.folder / "outcomes" / "or.yml",
        {
            "strand": "or",
            "outcomes": {
                "4-7": [
                    {"id": "or-ey-1", "statement": "I can ask before I go online."},
                    {"id": "or-ey-2", "statement": "I can say who to tell."},
                ],
                "11-14": [{"id": "or-ks3-1", "statement": "I can act when a chat goes wrong."}],
            },
        },
    )
    scheme.lesson("ey-or-year-2", year_groups=[2], outcomes=["or-ey-1", "or-ey-2"])
    errors = scheme_errors(scheme)
    assert (
        "curriculum/outcomes/or.yml:6: outcome 'or-ey-2' is asked by no quiz question: "
        "give a question 'outcome: or-ey-2'" in errors
    )
    assert not any("or-ey-2' is taught by no lesson" in e for e in errors)
    (scheme.folder / "lessons" / "4-7" / "ey-or-year-2.md").unlink()
    scheme.lesson("ey-or-year-2b", year_groups=[2])
    assert (
        "curriculum/outcomes/or.yml:6: outcome 'or-ey-2' is taught by no lesson: add it "
        "to a lesson's outcomes" in scheme_errors(scheme)
    )


LONG_RIGHT = "Block them, then report the account to the game"


def test_the_right_answer_is_the_longest_in_at_most_a_third_per_band(scheme):
    short_wrong = ("Reply and ask why", "Report it to a teacher")
    # 15 scenarios in the band; 5 (a third) may have the longest right answer, 6 may not.
    older(scheme, "ks3-or-year-7", 7, [scenario(n, LONG_RIGHT, short_wrong) for n in range(1, 6)])
    scheme.load(whole_scheme=True)
    older(
        scheme,
        "ks3-or-year-8",
        8,
        [
            scenario(1, LONG_RIGHT, short_wrong),
            *[scenario(n, "Block them") for n in range(2, 6)],
        ],
    )
    [message] = scheme_errors(scheme)
    assert message == (
        "curriculum/framework.yml:13: ages 11-14: the right answer is the longest option in 6 of "
        "15 single and scenario questions (40%); at most 5 may be: make the other options as "
        "long and as likely. Found in ks3-or-year-7.quiz.yml (q1, q2, q3, q4, q5); "
        "ks3-or-year-8.quiz.yml (q1)"
    )


def test_telling_an_adult_is_the_right_answer_of_at_most_a_third_of_older_scenarios(scheme):
    tell = "Tell a trusted adult"
    wrong = ("Reply to them and ask them why", "Send them the photo they want")
    older(scheme, "ks3-or-year-7", 7, [scenario(n, tell, wrong) for n in range(1, 6)])
    older(
        scheme,
        "ks3-or-year-8",
        8,
        [scenario(n, tell, wrong) for n in range(1, 3)]
        + [scenario(n, "Block them") for n in range(3, 6)],
    )
    [message] = scheme_errors(scheme)
    assert message.startswith(
        "curriculum/framework.yml:13: ages 11-14: the right answer is telling an adult in 7 of 15 "
        "scenarios (47%); at most 5 may be: make another good action the right answer"
    )
    assert message.endswith(
        "Found in ks3-or-year-7.quiz.yml (q1, q2, q3, q4, q5); ks3-or-year-8.quiz.yml (q1, q2)"
    )


def test_young_pupils_may_always_be_told_to_tell_an_adult(scheme):
    """Ages 4-7 are not held to the share: telling a grown-up is what they should do."""
    scheme.load(whole_scheme=True)


def test_a_scenario_still_offers_a_way_to_get_help(scheme):
    older(
        scheme,
        "ks3-or-year-7",
        7,
        [scenario(n, "Block them", ("Reply", "Argue")) for n in range(1, 6)],
    )
    assert any(
        "offer telling a trusted adult (or reporting) as an option" in e
        for e in scheme_errors(scheme)
    )


@pytest.mark.parametrize(("total", "limit"), [(0, 0), (1, 1), (3, 1), (4, 2), (15, 5), (16, 6)])
def test_a_third_is_rounded_up(total, limit):
    assert allowed(total, 1 / 3) == limit


# --- Pictures -----------------------------------------------------------------------------------

GOOD_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>A dot</title>'
    '<defs><linearGradient id="g"/></defs><circle r="4" fill="url(#g)"/><use href="#g"/></svg>'
)


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (GOOD_SVG.replace(' viewBox="0 0 10 10"', ""), "needs a viewBox"),
        (GOOD_SVG.replace("<title>A dot</title>", ""), "needs a <title>"),
        (GOOD_SVG.replace("</svg>", "<script>alert(1)</script></svg>"), "must not contain scripts"),
        (GOOD_SVG.replace("<circle", '<circle onclick="go()"'), "must not contain scripts"),
        (GOOD_SVG.replace('href="#g"', 'href="https://example.org/a.svg"'), "must not refer"),
        (GOOD_SVG.replace("url(#g)", "url(https://example.org/x)"), "must not refer"),
        (GOOD_SVG.replace("</svg>", '<image href="#g"/></svg>'), "must not embed a photo"),
        (GOOD_SVG.replace("</svg>", "<!--" + "x" * 7000 + "--></svg>"), "keep it under 6144"),
    ],
)
def test_a_picture_must_be_small_self_describing_and_inert(lessons, svg, message):
    lessons.lesson()
    (lessons.folder / "images" / "or-dot.svg").write_text(svg)
    [error] = errors_of(lessons)
    assert error.startswith("curriculum/images/or-dot.svg")
    assert message in error


def test_a_good_picture_passes_and_other_files_are_refused(lessons):
    lessons.lesson()
    (lessons.folder / "images" / "or-dot.svg").write_text(GOOD_SVG)
    lessons.load()
    (lessons.folder / "images" / "photo.png").write_bytes(b"\x89PNG")
    assert errors_of(lessons) == ["curriculum/images/photo.png: pictures are SVG files (name.svg)"]
