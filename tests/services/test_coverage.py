"""Coverage figures worked out by hand on a small school, compared with what the service says."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import delete, select

from portal.content.calendar import school_today
from portal.models import LessonDone, OutcomeProgress, QuizAnswer, QuizAttempt
from portal.services import coverage
from tests.factories import CurriculumTree, true_false


def levels(db, pupil) -> dict[str, str]:
    rows = db.scalars(select(OutcomeProgress).where(OutcomeProgress.pupil_id == pupil.id))
    return {row.outcome_id: "secure" if row.secured_at else "taught" for row in rows}


def test_each_pupil_is_at_the_level_the_definitions_give(db, hand_made_school):
    got = {name: levels(db, pupil) for name, pupil in hand_made_school.pupils.items()}
    assert got == {
        "A": {},
        "B": {"or-ey-1": "taught", "or-ey-2": "taught"},
        "C": {"or-ey-1": "secure", "or-ey-2": "secure"},
        "D": {"or-ey-1": "secure", "or-ey-2": "taught"},
        "E": {"or-ey-1": "taught", "or-ey-2": "taught"},
    }


def test_the_heatmap_shares_are_pupil_outcome_pairs_of_each_pupils_own_band(
    db, hand_made_school, small_curriculum
):
    heatmap = coverage.heatmap(db, small_curriculum, hand_made_school.id, by="year")
    assert [(c.name, c.pupils) for c in heatmap.columns] == [("Reception", 5), ("Year 3", 2)]
    reception = heatmap.cell("or", 0)
    # 5 pupils x 2 outcomes = 10 pairs; B, C, D and E taught both (8); C 2 and D 1 secure (3).
    assert (reception.possible, reception.taught, reception.secure) == (10, 8, 3)
    assert (reception.percent_taught, reception.percent_secure) == (80, 30)
    year3 = heatmap.cell("or", 3)
    assert (year3.possible, year3.secure, year3.percent_secure) == (2, 0, 0)
    # Strands with no outcomes in the framework have nothing to cover.
    assert heatmap.cell("si", 0).percent_secure is None
    assert heatmap.total.percent_secure == round(100 * 3 / 12)


def test_classes_as_columns_give_the_same_figures(db, hand_made_school, small_curriculum):
    heatmap = coverage.heatmap(db, small_curriculum, hand_made_school.id, by="class")
    assert [(c.name, c.pupils) for c in heatmap.columns] == [("RB", 5), ("3B", 2)]
    assert heatmap.cell("or", heatmap.columns[0].id).percent_secure == 30


def test_the_outcomes_behind_a_cell_and_the_pupils_behind_an_outcome(
    db, hand_made_school, small_curriculum
):
    reception = coverage.find_column(db, hand_made_school.id, "year", 0)
    everything = coverage.periods(school_today())["all"]
    rows = coverage.outcome_rows(
        db, small_curriculum, hand_made_school.id, reception, "or", everything
    )
    assert {row.outcome.id: row.counts for row in rows} == {
        "or-ey-1": {"not-taught": 1, "taught": 2, "secure": 2},
        "or-ey-2": {"not-taught": 1, "taught": 3, "secure": 1},
    }
    outcome = next(o for o in small_curriculum.outcomes if o.id == "or-ey-2")
    pupils = coverage.pupil_levels(
        db, small_curriculum, hand_made_school.id, reception, outcome, everything
    )
    assert {p.name.split()[0]: p.level for p in pupils} == {
        "A": "not-taught",
        "B": "taught",
        "C": "secure",
        "D": "taught",
        "E": "taught",
    }


def test_rebuilding_from_the_stored_answers_gives_the_same_levels(
    db, hand_made_school, small_curriculum
):
    def snapshot():
        rows = db.scalars(
            select(OutcomeProgress).where(OutcomeProgress.school_id == hand_made_school.id)
        ).all()
        return sorted((r.pupil_id, r.outcome_id, r.taught_at, r.secured_at) for r in rows)

    before = snapshot()
    coverage.refresh_school(db, small_curriculum, hand_made_school.id)
    db.commit()
    assert snapshot() == before
    assert len(before) == 10  # B to E two each, and the leaver


def test_a_refresh_counts_the_lessons_of_the_curriculum_it_is_given(
    db, hand_made_school, small_curriculum
):
    """The statements are built once; the lessons and their outcomes go in with each call, so
    after the lessons change a refresh counts them as they are now."""
    c = hand_made_school.pupils["C"]
    ask = small_curriculum.lesson("ey-or-ask")
    # The lesson now teaches or-ey-1 alone, and its quiz asks only about that.
    changed = dataclasses.replace(
        ask,
        outcomes=("or-ey-1",),
        questions=tuple(dataclasses.replace(q, outcome="or-ey-1") for q in ask.questions),
    )
    rewritten = dataclasses.replace(
        small_curriculum,
        lessons=tuple(changed if lesson is ask else lesson for lesson in small_curriculum.lessons),
    )
    coverage.refresh_pupil(db, rewritten, c.id)
    assert levels(db, c) == {"or-ey-1": "secure"}
    coverage.refresh_school(db, rewritten, hand_made_school.id)
    assert levels(db, hand_made_school.pupils["B"]) == {"or-ey-1": "taught"}
    coverage.refresh_pupil(db, small_curriculum, c.id)
    assert levels(db, c) == {"or-ey-1": "secure", "or-ey-2": "secure"}


def test_a_pupil_whose_work_is_gone_has_no_levels_left(db, hand_made_school, small_curriculum):
    c = hand_made_school.pupils["C"]
    attempts = select(QuizAttempt.id).where(QuizAttempt.pupil_id == c.id)
    db.execute(delete(QuizAnswer).where(QuizAnswer.attempt_id.in_(attempts)))
    db.execute(delete(QuizAttempt).where(QuizAttempt.pupil_id == c.id))
    db.execute(delete(LessonDone).where(LessonDone.pupil_id == c.id))
    coverage.refresh_pupil(db, small_curriculum, c.id)
    assert levels(db, c) == {}
    assert levels(db, hand_made_school.pupils["D"]) == {"or-ey-1": "secure", "or-ey-2": "taught"}


def test_periods_count_only_work_done_in_them(db, hand_made_school, small_curriculum):
    today = dt.date(2026, 11, 20)
    periods = coverage.periods(today)
    assert periods["term"].start == dt.datetime(2026, 9, 1) - dt.timedelta(hours=1)  # BST
    # Move C's lesson and pass back into the summer term; D's stays in this term.
    long_ago = dt.datetime(2026, 6, 10, 10)
    c = hand_made_school.pupils["C"]
    for row in db.scalars(select(LessonDone).where(LessonDone.pupil_id == c.id)):
        row.done_at = long_ago
    for row in db.scalars(select(QuizAttempt).where(QuizAttempt.pupil_id == c.id)):
        row.finished_at = long_ago
    for row in db.scalars(select(LessonDone).where(LessonDone.school_id == hand_made_school.id)):
        if row.pupil_id != c.id:
            row.done_at = dt.datetime(2026, 10, 5, 9)
    for row in db.scalars(select(QuizAttempt).where(QuizAttempt.school_id == hand_made_school.id)):
        if row.pupil_id != c.id:
            row.finished_at = dt.datetime(2026, 10, 5, 9, 30)
    coverage.refresh_school(db, small_curriculum, hand_made_school.id)
    db.commit()

    def secure(period):
        return (
            coverage.heatmap(db, small_curriculum, hand_made_school.id, period=period)
            .cell("or", 0)
            .secure
        )

    assert secure(periods["all"]) == 3
    assert secure(periods["year"]) == 1  # D only: C's work was last hand_made_school year
    assert secure(periods["term"]) == 1
    assert secure(coverage.until(dt.datetime(2026, 9, 1))) == 2  # C, as it stood in September


def test_gaps_are_outcomes_no_lesson_teaches_and_groups_below_the_threshold(
    db, hand_made_school, small_curriculum
):
    assert [o.id for o in coverage.untaught_outcomes(small_curriculum)] == []
    heatmap = coverage.heatmap(db, small_curriculum, hand_made_school.id)
    gaps = coverage.gaps_below(heatmap, threshold=30)
    assert [(g.what, g.name, g.percent_secure) for g in gaps] == [
        ("strand", "Online relationships", 25),
        ("year", "Year 3", 0),
    ]
    assert [g.name for g in coverage.gaps_below(heatmap, threshold=25)] == ["Year 3"]


def test_the_outcomes_no_lesson_teaches_are_listed(tmp_path):
    """A whole scheme teaches every outcome (`esafety check` refuses one that does not); a
    curriculum still being written shows its gaps."""
    tree = CurriculumTree(tmp_path)
    tree.lesson()  # teaches or-ey-1 only
    untaught = coverage.untaught_outcomes(tree.load())
    assert [o.id for o in untaught] == ["or-ey-2", "or-ks2-1"]


def test_what_is_planned_for_a_year_group_comes_from_the_year_sequences(tmp_path):
    tree = CurriculumTree(tmp_path)
    tree.lesson("ey-or-ask", year_groups=[1], outcomes=["or-ey-1"])
    tree.lesson(
        "ey-or-tell",
        year_groups=[2],
        outcomes=["or-ey-2"],
        questions=[true_false(n, outcome="or-ey-2") for n in range(1, 6)],
    )
    curriculum = tree.load()
    assert coverage.planned_outcomes(curriculum, 0) == frozenset()
    assert coverage.planned_outcomes(curriculum, 1) == {"or-ey-1"}
    assert coverage.planned_outcomes(curriculum, 2) == {
        "or-ey-1",
        "or-ey-2",
    }  # and the years before
    assert coverage.planned_outcomes(curriculum, 3) == frozenset()  # a new band starts afresh


def test_the_heatmap_counts_what_is_planned_for_each_pupils_year(
    db, hand_made_school, small_curriculum
):
    # The small curriculum's lessons are for Reception (both ey outcomes) and Year 3 (or-ks2-1).
    by_year = coverage.heatmap(db, small_curriculum, hand_made_school.id, by="year")
    reception, year3 = by_year.cell("or", 0), by_year.cell("or", 3)
    assert (reception.possible, reception.planned, reception.percent_planned) == (10, 10, 100)
    assert (year3.possible, year3.planned) == (2, 2)
    assert by_year.total.planned == 12
    by_class = coverage.heatmap(db, small_curriculum, hand_made_school.id, by="class")
    assert sorted(by_class.cell("or", c.id).planned for c in by_class.columns) == [2, 10]


def test_the_trust_summary_counts_every_school_apart(db, hand_made_school, small_curriculum):
    summary = {s.name: s for s in coverage.trust_summary(db, small_curriculum)}
    oakfield = summary[hand_made_school.name]
    assert (oakfield.pupils, oakfield.share.possible, oakfield.share.secure) == (7, 12, 3)
    elsewhere = summary["Elsewhere School"]
    assert (elsewhere.pupils, elsewhere.share.secure, elsewhere.share.percent_secure) == (1, 2, 100)


def test_the_export_has_one_row_per_pupil_and_outcome_of_their_band(
    db, hand_made_school, small_curriculum
):
    everything = coverage.periods(school_today())["all"]
    rows = list(coverage.pupil_outcome_rows(db, small_curriculum, hand_made_school.id, everything))
    assert len(rows) == 5 * 2 + 2 * 1
    by_pupil = {(row[1], row[6]): row[7] for row in rows}
    assert by_pupil[("D", "or-ey-2")] == "taught"
    assert by_pupil[("C", "or-ey-1")] == "secure"
    assert by_pupil[("F", "or-ks2-1")] == "not-taught"


def test_esafety_coverage_rebuild_and_summary(
    app, db, hand_made_school, small_curriculum_tree, monkeypatch
):
    from click.testing import CliRunner

    from portal.cli import main

    for name, value in (
        ("DATABASE_URL", app.config["DATABASE_URL"]),
        ("SECRET_KEY", "a test secret key, long enough to start"),
        ("POLICIES_DIR", app.config["POLICIES_DIR"]),
        ("CURRICULUM_DIR", str(small_curriculum_tree.folder)),
    ):
        monkeypatch.setenv(f"ESAFETY_{name}", value)
    db.execute(delete(OutcomeProgress))  # as if the curriculum had changed under them
    db.commit()
    rebuilt = CliRunner().invoke(main, ["coverage", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    summary = CliRunner().invoke(main, ["coverage", "summary"])
    assert summary.exit_code == 0, summary.output
    lines = summary.output.splitlines()
    assert lines[0].split() == ["school", "pupils", "taught", "secure"]
    assert "Oakfield School" in summary.output
    oakfield = next(line for line in lines if line.startswith("Oakfield School"))
    assert oakfield.split()[-3:] == ["7", "67%", "25%"]  # 8 of 12 taught, 3 of 12 secure


def test_esafety_coverage_summary_only_reads_so_needs_no_secret_key(
    app, hand_made_school, small_curriculum_tree, monkeypatch
):
    from click.testing import CliRunner

    from portal.cli import main

    monkeypatch.setenv("ESAFETY_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("ESAFETY_CURRICULUM_DIR", str(small_curriculum_tree.folder))
    for name in ("SECRET_KEY", "DEMO", "POLICIES_DIR"):
        monkeypatch.delenv(f"ESAFETY_{name}", raising=False)
    summary = CliRunner().invoke(main, ["coverage", "summary"])
    assert summary.exit_code == 0, summary.output
    assert "SECRET_KEY" not in summary.output
    oakfield = next(line for line in summary.output.splitlines() if line.startswith("Oakfield"))
    assert oakfield.split()[-3:] == ["7", "67%", "25%"]
