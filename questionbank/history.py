"""Every practice answer, kept in an SQLite database in the user's data folder.

Each answer is committed as soon as it is given, so quitting, Ctrl-C or a closed
terminal lose nothing. Two sessions may run at once: the database is in WAL mode,
waits for a busy writer (busy timeout) and retries a write that still finds it
locked. A database that SQLite cannot read is moved aside with a message, never
deleted, and a fresh one is started.
"""

from __future__ import annotations

import errno
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from questionbank.errors import QbankError

DB_NAME = "history.sqlite3"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 10.0
WRITE_ATTEMPTS = 8

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    mode TEXT NOT NULL,
    lang TEXT NOT NULL,
    bank TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    question_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    qtype TEXT NOT NULL,
    seed INTEGER NOT NULL,
    given TEXT NOT NULL,
    fraction REAL NOT NULL,
    points REAL NOT NULL,
    skipped INTEGER NOT NULL,
    hint_used INTEGER NOT NULL,
    seconds REAL NOT NULL,
    answered_at TEXT NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS answers_by_question ON answers(question_id, answered_at)",
    f"PRAGMA user_version={SCHEMA_VERSION}",
)

T = TypeVar("T")


def home() -> Path:
    """The folder holding the history: $QBANK_HOME, else the platform's user data folder."""
    override = os.environ.get("QBANK_HOME")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("qbank", appauthor=False))


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AnswerRecord:
    """One answer (or skip) to one instance of a question."""

    question_id: str
    topic: str
    qtype: str
    seed: int
    given: str
    fraction: float  # of the question's points, 0..1
    points: float
    skipped: bool
    hint_used: bool
    seconds: float
    answered_at: datetime  # timezone-aware UTC

    @property
    def correct(self) -> bool:
        return not self.skipped and self.fraction >= 1.0


_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)
_CHOOSE_HOME = "choose another folder with QBANK_HOME, e.g. QBANK_HOME=~/qbank-data qbank quiz"


def _read_only_message(folder: Path, reason: str | None) -> str:
    return (
        f"the history folder {folder} is read-only ({reason}): qbank keeps your answers "
        f"there; {_CHOOSE_HOME}"
    )


def _writable(path: Path) -> bool:
    """Whether a file can be made beside the database (SQLite's journals go there):
    tried, not guessed from the mode bits, which root and read-only mounts ignore."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError:
        return False
    return not path.exists() or os.access(path, os.W_OK)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class History:
    """An open history database; use :meth:`open`."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection

    @classmethod
    def open(
        cls, path: Path | None = None, *, warn: Callable[[str], None] | None = None
    ) -> History:
        """Open (creating if needed) the history at ``path`` (default: :func:`home`)."""
        path = path or home() / DB_NAME
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if exc.errno in _READ_ONLY:
                raise QbankError(_read_only_message(path.parent, exc.strerror)) from exc
            raise QbankError(
                f"cannot create the history folder {path.parent}: {exc.strerror} ({_CHOOSE_HOME})"
            ) from exc
        try:
            return cls(path, _connect(path))
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise QbankError(f"the history database {path} stays locked: {exc}") from exc
            if not _writable(path) or "readonly" in str(exc):
                raise QbankError(
                    _read_only_message(path.parent, "cannot create a file there")
                ) from exc
            raise QbankError(f"the history database {path} cannot be opened: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            # Not an I/O or lock problem: SQLite cannot read the file as a database.
            moved = _move_aside(path)
            (warn or _no_warning)(_corrupt_message(path, moved, exc))
            return cls(path, _connect(path))

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start_session(self, *, mode: str, lang: str, bank: str) -> int:
        def insert(db: sqlite3.Connection) -> int:
            cursor = db.execute(
                "INSERT INTO sessions (started_at, mode, lang, bank) VALUES (?, ?, ?, ?)",
                (now().isoformat(), mode, lang, bank),
            )
            return int(cursor.lastrowid or 0)

        return self._write(insert)

    def record(self, session_id: int, answer: AnswerRecord) -> None:
        """Store one answer now: committed before the next question is shown."""

        def insert(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO answers (session_id, question_id, topic, qtype, seed, given, "
                "fraction, points, skipped, hint_used, seconds, answered_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    answer.question_id,
                    answer.topic,
                    answer.qtype,
                    answer.seed,
                    answer.given,
                    answer.fraction,
                    answer.points,
                    int(answer.skipped),
                    int(answer.hint_used),
                    answer.seconds,
                    answer.answered_at.astimezone(UTC).isoformat(),
                ),
            )

        self._write(insert)

    def answers(self, question_ids: Sequence[str] | None = None) -> list[AnswerRecord]:
        """Answers in the order they were given, optionally only for some questions."""
        query = (
            "SELECT question_id, topic, qtype, seed, given, fraction, points, skipped, "
            "hint_used, seconds, answered_at FROM answers"
        )
        args: list[str] = []
        if question_ids is not None:
            query += f" WHERE question_id IN ({','.join('?' * len(question_ids))})"
            args = list(question_ids)
        rows = self._db.execute(query + " ORDER BY answered_at, id", args).fetchall()
        return [
            AnswerRecord(
                question_id=r[0],
                topic=r[1],
                qtype=r[2],
                seed=int(r[3]),
                given=r[4],
                fraction=float(r[5]),
                points=float(r[6]),
                skipped=bool(r[7]),
                hint_used=bool(r[8]),
                seconds=float(r[9]),
                answered_at=datetime.fromisoformat(r[10]),
            )
            for r in rows
        ]

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM answers").fetchone()[0])

    def _write(self, action: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``action`` in its own immediate transaction, retrying while another
        session holds the write lock beyond the busy timeout."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                with _transaction(self._db):
                    return action(self._db)
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or attempt == WRITE_ATTEMPTS - 1:
                    raise QbankError(f"{self.path}: could not save to the history: {exc}") from exc
                time.sleep(0.05 * 2**attempt * (1 + random.random()))
            except sqlite3.DatabaseError as exc:
                raise QbankError(
                    f"{self.path}: the history database is damaged ({exc}); move it aside "
                    "and run again to start a new one"
                ) from exc
        raise AssertionError("unreachable")  # the loop returns or raises


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    # BEGIN IMMEDIATE takes the write lock up front, so two writers never deadlock
    # upgrading a read lock; the busy timeout makes the second one wait its turn.
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.rollback()
        raise
    db.commit()


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        for attempt in range(WRITE_ATTEMPTS):
            try:
                _prepare(db)
                break
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or attempt == WRITE_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * 2**attempt * (1 + random.random()))
    except BaseException:
        db.close()
        raise
    return db


def _prepare(db: sqlite3.Connection) -> None:
    check = db.execute("PRAGMA quick_check").fetchone()
    if check is None or check[0] != "ok":
        raise sqlite3.DatabaseError(f"integrity check failed: {check[0] if check else 'no result'}")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise QbankError(
            f"the history database was written by a newer qbank (schema {version}, "
            f"this qbank knows {SCHEMA_VERSION}); upgrade qbank"
        )
    if version < SCHEMA_VERSION:
        with _transaction(db):
            for statement in _SCHEMA:
                db.execute(statement)


def _move_aside(path: Path) -> Path:
    stamp = now().strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    serial = 1
    while target.exists():
        serial += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{serial}")
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(target.with_name(target.name + suffix))
    return target


def _corrupt_message(path: Path, moved: Path, exc: Exception) -> str:
    return (
        f"warning: the history database {path} could not be read ({exc}); it was moved to "
        f"{moved} (nothing was deleted) and a new, empty history was started"
    )


def _no_warning(message: str) -> None:
    return None
