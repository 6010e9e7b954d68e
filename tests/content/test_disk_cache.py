"""Checked lessons kept on disk for the next process: used only for exactly the same files,
never for a folder with problems, and never in the way when the folder is damaged or missing."""

import pytest

from portal.content import ContentErrors, disk_cache, loader
from tests.factories import CurriculumTree


@pytest.fixture
def lessons(tmp_path, monkeypatch):
    monkeypatch.setenv(disk_cache.CACHE_ENV, str(tmp_path / "cache"))
    tree = CurriculumTree(tmp_path)
    tree.lesson()
    return tree


def in_a_new_process(lessons: CurriculumTree, monkeypatch, *, check: bool = True):
    """Load as a newly started process does: nothing kept in memory. With `check=False`,
    checking the lessons fails the test, so only what was kept on disk can answer."""
    monkeypatch.setattr(loader, "_loaded", {})
    if not check:

        def refuse(*_args, **_kwargs):
            raise AssertionError("the lessons were checked again")

        monkeypatch.setattr(loader, "load_curriculum", refuse)
    return lessons.load()


def test_a_new_process_takes_the_lessons_checked_before(lessons, monkeypatch):
    lessons.load()
    [lesson] = in_a_new_process(lessons, monkeypatch, check=False).lessons
    assert lesson.title == "Ask first"


def test_an_edited_lesson_is_checked_and_shown_afresh(lessons, monkeypatch):
    lessons.load()
    lessons.lesson(title="Ask a grown-up first")
    [lesson] = in_a_new_process(lessons, monkeypatch).lessons
    assert lesson.title == "Ask a grown-up first"


def test_a_folder_with_problems_is_refused_again_every_time(lessons, monkeypatch):
    lessons.lesson(outcomes=["or-ey-9"])
    for _ in range(2):
        with pytest.raises(ContentErrors, match="unknown outcome 'or-ey-9'"):
            in_a_new_process(lessons, monkeypatch)


def test_a_damaged_file_is_loaded_again_and_written_over(lessons, monkeypatch, tmp_path):
    lessons.load()
    [kept] = (tmp_path / "cache").glob("*.pickle")
    kept.write_bytes(b"not what was written")
    [lesson] = in_a_new_process(lessons, monkeypatch).lessons
    assert lesson.title == "Ask first"
    [lesson] = in_a_new_process(lessons, monkeypatch, check=False).lessons
    assert lesson.title == "Ask first"


def test_a_cache_folder_that_cannot_be_written_does_not_stop_the_lessons(
    lessons, monkeypatch, tmp_path
):
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    monkeypatch.setenv(disk_cache.CACHE_ENV, str(blocked / "cache"))
    [lesson] = in_a_new_process(lessons, monkeypatch).lessons
    assert lesson.title == "Ask first"
