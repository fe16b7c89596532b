"""Grade a folder of submissions: resumable, one atomic JSON per student, then grades.csv.

A rerun skips a student whose submission hash and task versions match the JSON already
written. Each JSON is written to a temporary file and renamed, so an interrupted batch (Ctrl-C,
kill -9) keeps every finished result and never leaves a half-written one.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from questionbank.grading.cases import PreparedTask
from questionbank.grading.grade import SubmissionResult, grade_submission
from questionbank.grading.report import to_gradescope
from questionbank.sandbox import SandboxConfig, SandboxServer

RESULT_FORMAT = 1


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path | None
    problem: str | None = None  # why no single file could be picked

    def source(self) -> bytes:
        return b"" if self.path is None else self.path.read_bytes()


@dataclass(frozen=True)
class BatchSummary:
    graded: int
    skipped: int
    students: int
    csv_path: Path


def find_submissions(folder: Path) -> list[Submission]:
    """One per top-level .py file (student = file stem) or per subfolder (student = folder)."""
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix == ".py":
            found.append(Submission(entry.stem, entry))
        elif entry.is_dir():
            files = sorted(p for p in entry.rglob("*.py") if p.is_file())
            named = [p for p in files if p.name == "submission.py"]
            if len(named) == 1 or len(files) == 1:
                found.append(Submission(entry.name, (named or files)[0]))
            else:
                what = "no .py file" if not files else f"{len(files)} .py files and no submission.py"
                found.append(Submission(entry.name, None, f"{entry.name}/ has {what}"))
    return found


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
    message = submission.problem or "unreadable submission"
    tests = [{"name": f"{t.spec.id}: {c.name}", "score": 0, "max_score": c.points,
              "status": "failed", "output": message,
              "visibility": "after_published" if c.hidden else "visible"}
             for t in tasks for c in t.cases]
    return {"score": 0, "max_score": sum(t.max_score for t in tasks), "execution_time": 0,
            "output": message, "tests": tests,
            "task_scores": {t.spec.id: [0, t.max_score] for t in tasks}}


def grade_batch(
    tasks: list[PreparedTask], folder: Path, out: Path, *, jobs: int = 1,
    config: SandboxConfig | None = None, on_progress: Callable[[str, int, int], None] | None = None,
    load_timeout: float = 5.0,
) -> BatchSummary:
    """Grade every submission in folder into out/; on_progress(student, done, total)."""
    out.mkdir(parents=True, exist_ok=True)
    submissions = find_submissions(folder)
    pending = []
    for submission in submissions:
        stamp = fingerprint(submission.source(), tasks)
        if not _up_to_date(out / f"{submission.student}.json", stamp):
            pending.append((submission, stamp))
    done = len(submissions) - len(pending)
    if on_progress:
        on_progress("", done, len(submissions))
    slots: dict[int, SandboxServer] = {}
    slot_ids = iter(range(max(jobs, 1)))
    local = threading.local()
    lock = threading.Lock()

    def server() -> SandboxServer:
        if not hasattr(local, "server"):
            with lock:
                slot = next(slot_ids)
            local.server = SandboxServer(slot=slot, config=config)
            slots[slot] = local.server
        return local.server  # type: ignore[no-any-return]

    def work(submission: Submission, stamp: dict[str, Any]) -> str:
        if submission.path is None:
            document = _unreadable(submission, tasks)
            document["qbank"] = stamp
        else:
            try:
                result = grade_submission(tasks, submission.source(), server(),
                                          name=submission.path.name, load_timeout=load_timeout)
                document = _result_document(result, stamp)
            except Exception as exc:  # noqa: BLE001 - one submission never stops the batch
                # Not stamped: a rerun grades this student again.
                problem = f"internal grader error ({type(exc).__name__}: {exc}); rerun the batch"
                document = _unreadable(Submission(submission.student, None, problem), tasks)
        write_atomic(out / f"{submission.student}.json",
                     json.dumps(document, ensure_ascii=False, indent=1).encode())
        return submission.student

    try:
        with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
            futures = [pool.submit(work, s, stamp) for s, stamp in pending]
            for future in as_completed(futures):
                done += 1
                if on_progress:
                    on_progress(future.result(), done, len(submissions))
    finally:
        for running in slots.values():
            running.close()
    csv_path = out / "grades.csv"
    write_atomic(csv_path, grades_csv(out, [s.student for s in submissions], tasks))
    return BatchSummary(len(pending), len(submissions) - len(pending), len(submissions), csv_path)


def grades_csv(out: Path, students: list[str], tasks: list[PreparedTask]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "score", "max_score", *(t.spec.id for t in tasks)])
    for student, document in _documents(out, students):
        scores = document.get("task_scores", {})
        writer.writerow([student, document.get("score", 0), document.get("max_score", 0),
                         *(_number(scores.get(t.spec.id, [0])[0]) for t in tasks)])
    return buffer.getvalue().encode()


def _documents(out: Path, students: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    for student in students:
        try:
            yield student, json.loads((out / f"{student}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            yield student, {}


def _number(value: object) -> object:
    return int(value) if isinstance(value, float) and value.is_integer() else value
