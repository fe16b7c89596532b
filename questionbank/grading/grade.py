"""Grade submissions against prepared code tasks: one sandbox job per task and submission."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from questionbank.grading.cases import PreparedTask
from questionbank.grading.verdicts import CaseResult, judge_case
from questionbank.sandbox import CaseOutcome, Job, SandboxServer
from questionbank.sandbox.client import MAX_SOURCE

DEFAULT_LOAD_TIMEOUT = 5.0
Key = TypeVar("Key")


@dataclass(frozen=True)
class TaskResult:
    task_id: str
    version: str
    score: float
    max_score: float
    cases: tuple[CaseResult, ...]


@dataclass(frozen=True)
class SubmissionResult:
    submission: str
    score: float
    max_score: float
    tasks: tuple[TaskResult, ...]
    execution_time: float
    isolation: dict[str, Any] = field(default_factory=dict)
    stdout_bytes: int = 0
    notes: tuple[str, ...] = ()  # what was changed before grading (a notebook's magics, ...)


def grade_submission(
    tasks: list[PreparedTask],
    source: bytes,
    server: SandboxServer,
    *,
    name: str = "submission.py",
    load_timeout: float = DEFAULT_LOAD_TIMEOUT,
) -> SubmissionResult:
    """Run source against every task (an assignment's submission defines all the functions)."""
    graded = grade_in_turn(tasks, [(name, source, name)], server, load_timeout=load_timeout)
    return next(iter(graded))[1]


def grade_in_turn(
    tasks: list[PreparedTask],
    submissions: Iterable[tuple[Key, bytes, str]],
    server: SandboxServer,
    *,
    load_timeout: float = DEFAULT_LOAD_TIMEOUT,
) -> Iterator[tuple[Key, SubmissionResult]]:
    """Grade (key, source, name) submissions one after another on one server, yielding each
    (key, result) as soon as it is done. Each submission has the sandbox to itself."""
    for key, source, name in submissions:
        grading = _Grading(key, name, len(tasks), server.isolation)
        problem = source_problem(source)
        for task in tasks:
            if problem is not None:
                outcome = CaseOutcome("load_error", problem, 0.0, b"")
                grading.add(_judge_task(task, (outcome,) * len(task.cases)))
                continue
            job = Job(
                function=task.spec.function,
                source=source,
                args=tuple(case.args_blob for case in task.cases),
                timeouts=(task.spec.timeout,) * len(task.cases),
                load_timeout=load_timeout,
                args_key=f"{task.spec.id}@{task.version}",
                hidden=tuple(case.hidden for case in task.cases),
                check_inputs=task.spec.check_inputs,
            )
            ran = server.run(job)
            grading.isolation = ran.isolation
            grading.stdout_bytes += ran.stdout_total
            grading.seconds += ran.elapsed
            grading.add(_judge_task(task, ran.outcomes))
        yield key, grading.result()


def _judge_task(task: PreparedTask, outcomes: tuple[CaseOutcome, ...]) -> TaskResult:
    cases = tuple(judge_case(task, case, o) for case, o in zip(task.cases, outcomes, strict=True))
    return TaskResult(
        task.spec.id, task.version, sum(c.score for c in cases), task.max_score, cases
    )


class _Grading(Generic[Key]):
    """One submission's task results as they come in."""

    def __init__(self, key: Key, name: str, expected: int, isolation: dict[str, Any]) -> None:
        self.key, self.name, self.expected, self.isolation = key, name, expected, isolation
        self.seconds = 0.0  # in the sandbox
        self.tasks: list[TaskResult] = []
        self.stdout_bytes = 0

    def add(self, result: TaskResult) -> None:
        self.tasks.append(result)

    def done(self) -> bool:
        return len(self.tasks) == self.expected

    def result(self) -> SubmissionResult:
        return SubmissionResult(
            submission=self.name,
            score=sum(r.score for r in self.tasks),
            max_score=sum(r.max_score for r in self.tasks),
            tasks=tuple(self.tasks),
            execution_time=self.seconds,
            isolation=self.isolation,
            stdout_bytes=self.stdout_bytes,
        )


def source_problem(source: bytes) -> str | None:
    """Why a submission cannot be run at all (too large, not UTF-8), or None."""
    if len(source) > MAX_SOURCE:
        return f"the file is larger than {MAX_SOURCE >> 20} MiB"
    try:
        source.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = source[: exc.start].count(b"\n") + 1
        return (
            f"the file is not UTF-8: byte 0x{source[exc.start]:02x} on line {line} "
            "(save it as UTF-8)"
        )
    return None
