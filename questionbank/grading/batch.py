"""Grade a folder of submissions: resumable, one atomic JSON per student, then grades.csv.

A rerun skips a student whose submission hash and task versions match the JSON already
written. Each JSON is written to a temporary file and renamed, so an interrupted batch (Ctrl-C,
kill -9) keeps every finished result and never leaves a half-written one.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
import queue
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from questionbank.grading.cases import PreparedTask
from questionbank.grading.grade import SubmissionResult, grade_in_turn
from questionbank.grading.report import to_gradescope
from questionbank.grading.text import clean_text, csv_cell
from questionbank.notebook import MAX_NOTEBOOK, NotebookError, is_notebook, notebook_source
from questionbank.sandbox import SandboxConfig, SandboxServer
from questionbank.sandbox.client import MAX_SOURCE

RESULT_FORMAT = 1
SUFFIXES = (".py", ".ipynb")


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path | None
    problem: str | None = None  # why no single file could be picked

    def source(self) -> bytes:
        """The file's bytes, read safely: never through a symlink, never from a FIFO or a
        device (which could block the batch or read another file as root)."""
        if self.path is None:
            return b""
        fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(f"{self.path.name} is not a regular file")
            # One byte over the limit, so that "too large" can be told from "just fits".
            limit = MAX_NOTEBOOK if is_notebook(self.path.name) else MAX_SOURCE
            return handle.read(limit + 1)


def read_submission(path: Path, functions: list[str]) -> tuple[bytes, bytes, tuple[str, ...]]:
    """(bytes read, source to run, notes) for one file: a notebook's code cells become the
    source. OSError or NotebookError (whose message is for the student) when it cannot be."""
    raw = Submission(_stem(path.name), path).source()
    if not is_notebook(path.name):
        return raw, raw, ()
    converted = notebook_source(raw, functions=functions)
    return raw, converted.source, converted.notes


@dataclass(frozen=True)
class BatchSummary:
    graded: int
    skipped: int
    students: int
    csv_path: Path


def find_submissions(folder: Path) -> list[Submission]:
    """One per top-level .py file (student = file stem) or per subfolder (student = folder).

    Symbolic links, FIFOs, devices, hidden .py files and two entries naming the same student
    each get a per-student problem, never a crash and never a silent skip: student archives are
    extracted into this folder, and a link in one could point at a reference or another
    student's file, read here as root."""
    by_student: dict[str, list[tuple[str, Submission]]] = {}
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        found = _submission_of(entry)
        if found is not None:
            shown = entry.name + ("/" if entry.is_dir(follow_symlinks=False) else "")
            by_student.setdefault(found.student, []).append((shown, found))
    result = []
    for student, candidates in sorted(by_student.items()):
        if len(candidates) == 1:
            result.append(candidates[0][1])
            continue
        names = " and ".join(shown for shown, _ in candidates)
        result.append(Submission(student, None, f"{names} both name student {student}"))
    return result


def _submission_of(entry: os.DirEntry[str]) -> Submission | None:
    name = entry.name
    stem = _stem(name)
    if entry.is_symlink():
        if stem != name or entry.is_dir():
            problem = f"{name} is a symbolic link: only regular files are graded"
            return Submission(stem, None, problem)
        return None
    if entry.is_dir(follow_symlinks=False):
        return _folder_submission(Path(entry.path))
    if stem == name:
        return None
    if not entry.is_file(follow_symlinks=False):
        return Submission(stem, None, f"{name} is not a regular file (a FIFO or a device?)")
    if name.startswith("."):
        return Submission(stem, None, f"{name} is a hidden file: rename it without the dot")
    return Submission(stem, Path(entry.path))


def _stem(name: str) -> str:
    """The student a file names (a .py or .ipynb file), or name itself for other files."""
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def _folder_submission(folder: Path) -> Submission | None:
    if folder.name.startswith((".", "__")):  # .git, __MACOSX, __pycache__: not students
        return None
    files, links = [], []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if _stem(name) == name:
                continue
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
                links.append(path)
            elif not name.startswith("."):
                files.append(path)
        links.extend(Path(dirpath, d) for d in dirnames if Path(dirpath, d).is_symlink())
    if links:
        what = ", ".join(str(p.relative_to(folder)) for p in links)
        return Submission(
            folder.name, None, f"{folder.name}/ holds links or special files ({what}): not graded"
        )
    named = [p for p in files if p.name in ("submission.py", "submission.ipynb")]
    if len(named) == 1 or len(files) == 1:
        return Submission(folder.name, (named or files)[0])
    what = (
        "no .py or .ipynb file"
        if not files
        else f"{len(files)} .py/.ipynb files and no submission.py or submission.ipynb"
    )
    return Submission(folder.name, None, f"{folder.name}/ has {what}")


def fingerprint(source: bytes, tasks: list[PreparedTask]) -> dict[str, Any]:
    return {
        "format": RESULT_FORMAT,
        "sha256": hashlib.sha256(source).hexdigest(),
        "tasks": {t.spec.id: t.version for t in tasks},
    }


def write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def _up_to_date(path: Path, stamp: dict[str, Any]) -> bool:
    try:
        existing = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(existing, dict) and existing.get("qbank") == stamp


def _result_document(result: SubmissionResult, stamp: dict[str, Any]) -> dict[str, Any]:
    document = to_gradescope(result)
    document["qbank"] = stamp
    document["task_scores"] = {t.task_id: [t.score, t.max_score] for t in result.tasks}
    document["isolation"] = result.isolation
    return document


def _unreadable(submission: Submission, tasks: list[PreparedTask]) -> dict[str, Any]:
    message = clean_text(submission.problem or "unreadable submission")
    tests = [
        {
            "name": f"{t.spec.id}: {c.name}",
            "score": 0,
            "max_score": c.points,
            "status": "failed",
            "output": message,
            "visibility": "after_published" if c.hidden else "visible",
        }
        for t in tasks
        for c in t.cases
    ]
    return {
        "score": 0,
        "max_score": sum(t.max_score for t in tasks),
        "execution_time": 0,
        "output": message,
        "tests": tests,
        "task_scores": {t.spec.id: [0, t.max_score] for t in tasks},
    }


def grade_batch(
    tasks: list[PreparedTask],
    folder: Path,
    out: Path,
    *,
    jobs: int = 1,
    config: SandboxConfig | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
    load_timeout: float = 5.0,
) -> BatchSummary:
    """Grade every submission in folder into out/; on_progress(student, done, total)."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".*.tmp"):  # a batch killed while writing: never a result
        stale.unlink(missing_ok=True)
    submissions = find_submissions(folder)
    functions = [t.spec.function for t in tasks]
    pending = []
    for index, submission in enumerate(submissions):
        # Read once: the bytes graded are the bytes fingerprinted, even if the file changes.
        notes: tuple[str, ...] = ()
        try:
            if submission.path is None:
                raw = source = b""
            else:
                raw, source, notes = read_submission(submission.path, functions)
        except (OSError, NotebookError) as exc:
            name = submission.path.name if submission.path else ""
            problem = (
                f"{name}: {exc}"
                if isinstance(exc, NotebookError)
                else f"{name}: cannot read ({exc})"
            )
            submission = submissions[index] = Submission(submission.student, None, problem)
            raw = source = b""
        stamp = fingerprint(raw, tasks)
        if not _up_to_date(out / f"{submission.student}.json", stamp):
            pending.append((submission, stamp, source, notes))
    run = _BatchRun(tasks, out, pending, len(submissions), config, on_progress, load_timeout)
    csv_path = out / "grades.csv"
    try:
        run.grade(jobs=max(jobs, 1))
    finally:  # even when the batch stops: every result written so far is in the table
        write_atomic(csv_path, grades_csv(out, [s.student for s in submissions], tasks))
    return BatchSummary(len(pending), len(submissions) - len(pending), len(submissions), csv_path)


# A submission, its fingerprint, the source to run, notes on how it was made (a notebook's).
Pending = tuple[Submission, dict[str, Any], bytes, tuple[str, ...]]


class _BatchRun:
    """The pending submissions, shared by one thread and one sandbox server per slot."""

    def __init__(
        self,
        tasks: list[PreparedTask],
        out: Path,
        pending: list[Pending],
        total: int,
        config: SandboxConfig | None,
        on_progress: Callable[[str, int, int], None] | None,
        load_timeout: float,
    ) -> None:
        self.tasks, self.out, self.config, self.load_timeout = tasks, out, config, load_timeout
        self.queue = iter(pending)
        self.total, self.done = total, total - len(pending)
        self.on_progress = on_progress
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        # Results on their way to the writer thread; None when every slot is done.
        self.results: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        if on_progress:
            on_progress("", self.done, total)

    def grade(self, *, jobs: int) -> None:
        # A daemon: a second Ctrl-C must not leave the interpreter waiting for it (results
        # not written by then are graded again by the next run).
        writer = threading.Thread(target=self._write_results, daemon=True)
        writer.start()
        threads = [threading.Thread(target=self._slot, args=(n,)) for n in range(jobs)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        except BaseException:
            # Ctrl-C: let the running submissions finish and be written, start no more.
            self.stop.set()
            for thread in threads:
                if thread.ident is not None:
                    thread.join()
            raise
        finally:
            self.results.put(None)
            writer.join()
        if self.errors:  # e.g. results that cannot be written: the batch cannot go on
            raise self.errors[0]

    def _slot(self, number: int) -> None:
        try:
            self._grade_on(number)
        except BaseException as exc:  # noqa: BLE001 - re-raised by grade() in the main thread
            self.errors.append(exc)
            self.stop.set()

    def _grade_on(self, number: int) -> None:
        taken: dict[str, Pending] = {}
        while True:
            server = SandboxServer(slot=number, config=self.config)
            try:
                graded = grade_in_turn(
                    self.tasks, self._feed(taken), server, load_timeout=self.load_timeout
                )
                for (submission, stamp, notes), result in graded:
                    del taken[submission.student]
                    result = dataclasses.replace(result, notes=notes)
                    self._finish(submission, self._document(submission, result, stamp))
                return
            except Exception as exc:
                if not taken:
                    raise
                # The submissions in flight (up to two: one judged, one running) fail, unstamped
                # so that a rerun grades them again; the others go on, on a fresh server.
                for submission, *_ in taken.values():
                    self._finish(submission, self._internal_error(submission, exc))
                taken.clear()
            finally:
                server.close()

    def _feed(
        self, taken: dict[str, Pending]
    ) -> Iterator[tuple[tuple[Submission, dict[str, Any], tuple[str, ...]], bytes, str]]:
        while not self.stop.is_set():
            with self.lock:
                item = next(self.queue, None)
            if item is None:
                return
            submission, stamp, source, notes = item
            if submission.path is None:
                document = _unreadable(submission, self.tasks)
                document["qbank"] = stamp
                self._finish(submission, document)
                continue
            taken[submission.student] = item
            yield (submission, stamp, notes), source, submission.path.name

    def _document(
        self, submission: Submission, result: SubmissionResult, stamp: dict[str, Any]
    ) -> dict[str, Any]:
        try:
            return _result_document(result, stamp)
        except Exception as exc:  # noqa: BLE001 - one submission never stops the batch
            return self._internal_error(submission, exc)

    def _internal_error(self, submission: Submission, exc: Exception) -> dict[str, Any]:
        problem = f"internal grader error ({type(exc).__name__}: {exc}); rerun the batch"
        return _unreadable(Submission(submission.student, None, problem), self.tasks)

    def _finish(self, submission: Submission, document: dict[str, Any]) -> None:
        """Hand a result to the writer: the slot goes on to its next submission while the
        result is encoded, written and synced (writing on the slot cost ~9% of a batch's
        throughput: the zygotes idled meanwhile)."""
        self.results.put((submission.student, document))

    def _write_results(self) -> None:
        while (item := self.results.get()) is not None:
            student, document = item
            # Whatever fails here (the write, the progress display) stops the batch with its
            # error, and the queue is still drained: no result is dropped silently.
            try:
                write_atomic(
                    self.out / f"{student}.json",
                    json.dumps(document, ensure_ascii=False, indent=1).encode(),
                )
                with self.lock:
                    self.done += 1
                    if self.on_progress:
                        self.on_progress(student, self.done, self.total)
            except BaseException as exc:  # noqa: BLE001 - re-raised by grade()
                self.errors.append(exc)
                self.stop.set()


def grades_csv(out: Path, students: list[str], tasks: list[PreparedTask]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "score", "max_score", *(t.spec.id for t in tasks)])
    for student, document in _documents(out, students):
        scores = document.get("task_scores", {})
        writer.writerow(
            [
                csv_cell(student),
                _number(document.get("score", 0)),
                _number(document.get("max_score", 0)),
                *(_number(scores.get(t.spec.id, [0])[0]) for t in tasks),
            ]
        )
    return buffer.getvalue().encode()


def _documents(out: Path, students: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    for student in students:
        try:
            yield student, json.loads((out / f"{student}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            yield student, {}


def _number(value: object) -> object:
    return int(value) if isinstance(value, float) and value.is_integer() else value
