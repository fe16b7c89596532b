"""Grade one submission against prepared code tasks: one sandbox job per task."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from questionbank.grading.cases import PreparedTask
from questionbank.grading.verdicts import CaseResult, judge_case
from questionbank.sandbox import CaseOutcome, Job, SandboxServer

DEFAULT_LOAD_TIMEOUT = 5.0


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


def grade_submission(
    tasks: list[PreparedTask], source: bytes, server: SandboxServer, *,
    name: str = "submission.py", load_timeout: float = DEFAULT_LOAD_TIMEOUT,
) -> SubmissionResult:
    """Run source against every task (an assignment's submission defines all the functions)."""
    started = time.monotonic()
    results: list[TaskResult] = []
    isolation: dict[str, Any] = dict(server.isolation)
    stdout_bytes = 0
    encoding_problem = _utf8_problem(source)
    for task in tasks:
        if encoding_problem is not None:
            outcome = CaseOutcome("load_error", encoding_problem, 0.0, b"")
            cases = tuple(judge_case(task, case, outcome) for case in task.cases)
            results.append(TaskResult(task.spec.id, task.version, 0.0, task.max_score, cases))
            continue
        job = Job(
            function=task.spec.function, source=source,
            args=tuple(case.args_blob for case in task.cases),
            timeouts=(task.spec.timeout,) * len(task.cases), load_timeout=load_timeout,
        )
        outcome = server.run(job)
        isolation = outcome.isolation
        stdout_bytes += outcome.stdout_total
        cases = tuple(judge_case(task, case, o)
                      for case, o in zip(task.cases, outcome.outcomes, strict=True))
        results.append(TaskResult(task.spec.id, task.version, sum(c.score for c in cases),
                                  task.max_score, cases))
    return SubmissionResult(
        submission=name, score=sum(r.score for r in results),
        max_score=sum(r.max_score for r in results), tasks=tuple(results),
        execution_time=time.monotonic() - started, isolation=isolation,
        stdout_bytes=stdout_bytes,
    )


def _utf8_problem(source: bytes) -> str | None:
    try:
        source.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = source[: exc.start].count(b"\n") + 1
        return (f"the file is not UTF-8: byte 0x{source[exc.start]:02x} on line {line} "
                "(save it as UTF-8)")
    return None
