"""The answer history: real SQLite, two writers at once, a damaged file moved aside."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from questionbank.errors import QbankError
from questionbank.history import AnswerRecord, History

WRITES_PER_PROCESS = 150


def _answer(question_id: str, n: int) -> AnswerRecord:
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=n)
    return AnswerRecord(question_id, "ml", "mcq", n, "A", 1.0, 1.0, False, False, 1.5, at)


def _writer(path: str, name: str, start: multiprocessing.synchronize.Event) -> None:
    with History.open(Path(path)) as history:
        session = history.start_session(mode="quiz", lang="en", bank=name)
        start.wait()
        for n in range(WRITES_PER_PROCESS):
            history.record(session, _answer(f"{name}-{n}", n))


def test_two_sessions_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    writers = [ctx.Process(target=_writer, args=(str(path), name, start)) for name in "ab"]
    for w in writers:
        w.start()
    start.set()
    for w in writers:
        w.join(timeout=120)
        assert w.exitcode == 0
    with History.open(path) as history:
        ids = [a.question_id for a in history.answers()]
    assert len(ids) == 2 * WRITES_PER_PROCESS
    assert set(ids) == {f"{name}-{n}" for name in "ab" for n in range(WRITES_PER_PROCESS)}
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_writer_waits_for_a_held_lock(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with History.open(path) as history:
        session = history.start_session(mode="quiz", lang="en", bank="b")
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # another session is mid-write
        import threading

        release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
        release.start()
        history.record(session, _answer("waited", 1))  # blocks until COMMIT, then succeeds
        release.join()
        other.close()
        assert [a.question_id for a in history.answers()] == ["waited"]


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    answer = AnswerRecord(
        "q1",
        "cnn",
        "numeric",
        12345,
        "0.91",
        0.5,
        2.0,
        False,
        True,
        4.25,
        datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
    )
    with History.open(tmp_path / "h.sqlite3") as history:
        history.record(history.start_session(mode="quiz", lang="zh-TW", bank="x"), answer)
    with History.open(tmp_path / "h.sqlite3") as history:
        assert history.answers() == [answer]
        assert history.answers(["other"]) == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(b"\x00garbage, not a database\n" * 100),
        lambda p: p.write_bytes(p.read_bytes()[:1500]),  # truncated mid-page
        lambda p: p.write_bytes(p.read_bytes()[:100] + b"\xff" * (len(p.read_bytes()) - 100)),
    ],
    ids=["garbage", "truncated", "pages-overwritten"],
)
def test_damaged_database_is_moved_aside_not_deleted(tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "history.sqlite3"
    with History.open(path) as history:
        session = history.start_session(mode="quiz", lang="en", bank="b")
        for n in range(200):
            history.record(session, _answer(f"q{n}", n))
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damage(path)
    damaged = path.read_bytes()
    warnings: list[str] = []
    with History.open(path, warn=warnings.append) as history:
        assert history.count() == 0  # a fresh history
    moved = list(tmp_path.glob("history.sqlite3.corrupt-*"))
    assert [m.name for m in moved if not m.name.endswith(("-wal", "-shm"))] == [
        m.name for m in moved if m.read_bytes() == damaged
    ]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"warning: the history database {path} could not be read (")
    assert warnings[0].endswith("(nothing was deleted) and a new, empty history was started")


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(QbankError) as caught:
        History.open(path)
    assert str(caught.value) == (
        "the history database was written by a newer qbank (schema 99, this qbank knows 1); "
        "upgrade qbank"
    )
    assert path.exists()


def test_unwritable_home_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(QbankError, match=r"^cannot create the history folder .*file/sub: "):
        History.open(blocker / "sub" / "history.sqlite3")
