"""Assemble a practice session: which questions, which seeds, which language, where to save.

`qbank quiz`, `qbank quiz --due` and `qbank review` differ only in how they choose
questions; the loop itself is :class:`questionbank.quiz.Quiz`.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO, overload

from rich.console import Console
from rich.text import Text

from questionbank import models
from questionbank.bank import Bank
from questionbank.errors import QbankError, UsageError
from questionbank.history import AnswerRecord, History, now
from questionbank.instance import Instance, instantiate
from questionbank.params import ParamEngine
from questionbank.paths import display
from questionbank.quiz import Quiz, Summary, Unavailable, Words, quiz_types
from questionbank.scheduler import Memory, Planner, fresh_seed, missed, when_text
from questionbank.selection import check_names, default_lang
from questionbank.terminput import LineReader, Reader, TerminalReader

EXIT_INTERRUPTED = 130  # the shell's convention for a program stopped by Ctrl-C


def parse_weeks(text: str) -> tuple[int, int]:
    """'4' → (4, 4); '3-6' → (3, 6)."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", text)
    if not match:
        raise UsageError(f"--week '{text}': expected a week or a range such as 3-6")
    lo = int(match.group(1))
    hi = int(match.group(2) or lo)
    if lo > hi:
        raise UsageError(f"--week '{text}': the range is backwards (expected {hi}-{lo})")
    return lo, hi


@dataclass(frozen=True)
class Filters:
    topics: tuple[str, ...] = ()
    weeks: tuple[int, int] | None = None


def select(questions: Sequence[models.AnyQuestion], filters: Filters) -> list[models.AnyQuestion]:
    """The quizzable questions matching the filters; an unknown topic is an error."""
    quizzable = [q for q in questions if q.type in quiz_types()]
    check_names(questions, topics=filters.topics)
    chosen = [
        q
        for q in quizzable
        if (not filters.topics or q.topic in filters.topics)
        and (
            filters.weeks is None
            or (q.week is not None and filters.weeks[0] <= q.week <= filters.weeks[1])
        )
    ]
    if not chosen:
        raise QbankError("no quiz question matches --topic/--week (code tasks: use qbank practice)")
    return chosen


@dataclass
class Setup:
    """How one session runs: its console, input, language, seed and history."""

    console: Console
    stdin: TextIO
    lang: str
    seed: int | None
    history: History
    bank_name: str

    def reader(self) -> Reader:
        if self.stdin.isatty():
            return TerminalReader(self.console, self.stdin)
        return LineReader(self.stdin, self.console)

    def rng(self) -> random.Random:
        return random.Random(self.seed)


class Plan(Sequence[Instance]):
    """The session's instances, made one by one as the quiz reaches them.

    Instantiating renders templates; doing it on demand puts the first question on
    screen sooner. Instances are always made in order, so the shared ``rng`` is drawn
    from in the same sequence as if all were made at once: --seed stays reproducible."""

    def __init__(
        self,
        questions: Sequence[models.AnyQuestion],
        rng: random.Random,
        seed_for: Callable[[models.AnyQuestion], int],
    ) -> None:
        self._questions = list(questions)
        self._rng = rng
        self._seed_for = seed_for
        self._made: list[Instance | Unavailable] = []
        self._engine = ParamEngine()

    def __len__(self) -> int:
        return len(self._questions)

    @overload
    def __getitem__(self, index: int) -> Instance: ...
    @overload
    def __getitem__(self, index: slice) -> list[Instance]: ...
    def __getitem__(self, index: int | slice) -> Instance | list[Instance]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        while len(self._made) <= index:
            q = self._questions[len(self._made)]
            seed = self._seed_for(q)
            try:
                made: Instance | Unavailable = instantiate(
                    q, seed, engine=self._engine, shuffle_rng=self._rng
                )
            except Exception as exc:  # noqa: BLE001 - a broken question must not end the quiz
                # Bank templates are untrusted input: any failure to make one question
                # (division by zero at a range's end, a template error) skips only it.
                made = Unavailable(q.id, f"seed {seed}: {exc}")
            self._made.append(made)
        found = self._made[index]
        if isinstance(found, Unavailable):
            raise found
        return found


def _instances(
    questions: Sequence[models.AnyQuestion],
    rng: random.Random,
    seed_for: Callable[[models.AnyQuestion], int],
) -> Plan:
    return Plan(questions, rng, seed_for)


def plan_quiz(questions: Sequence[models.AnyQuestion], *, count: int, rng: random.Random) -> Plan:
    """``count`` questions in random order, parametric ones with random numbers; the same
    ``rng`` state always gives the same plan (that is what --seed promises)."""
    chosen = rng.sample(list(questions), min(count, len(questions)))
    chosen = one_per_group(chosen, questions, rng)
    return _instances(chosen, rng, lambda q: rng.randrange(1, 2**31) if q.parametric else 0)


def one_per_group(
    chosen: list[models.AnyQuestion], pool: Sequence[models.AnyQuestion], rng: random.Random
) -> list[models.AnyQuestion]:
    """At most one question of each `group:`, as on a paper: a question whose group is taken
    is replaced by one from outside every chosen group, or dropped when none is left. The rng
    is used only on a clash, so quizzes without one are drawn exactly as before."""
    groups = {q.group for q in chosen if q.group}
    ids = {q.id for q in chosen}
    spare = [q for q in pool if q.id not in ids and (not q.group or q.group not in groups)]
    seen: set[str] = set()
    kept = []
    for question in chosen:
        if question.group and question.group in seen:
            if not spare:
                continue
            question = spare.pop(rng.randrange(len(spare)))
            if question.group:
                spare = [q for q in spare if q.group != question.group]
        if question.group:
            seen.add(question.group)
        kept.append(question)
    return kept


def _run(setup: Setup, instances: Sequence[Instance], mode: str) -> Summary:
    history = setup.history
    session_id = history.start_session(mode=mode, lang=setup.lang, bank=setup.bank_name)
    quiz = Quiz(
        instances,
        console=setup.console,
        reader=setup.reader(),
        lang=setup.lang,
        on_answer=lambda answer: history.record(session_id, answer),
        next_review=_next_review(history, setup.lang),
    )
    return quiz.run()


def _next_review(history: History, lang: str) -> Callable[[AnswerRecord], str | None]:
    """When FSRS brings a question back, from its history including the answer just saved."""
    planner = Planner()

    def after(answer: AnswerRecord) -> str | None:
        memory = planner.memories(history.answers([answer.question_id])).get(answer.question_id)
        return when_text(memory.card.due, at=now(), lang=lang) if memory else None

    return after


def quiz(bank: Bank, setup: Setup, filters: Filters, *, count: int, due: bool) -> Summary | None:
    """`qbank quiz`: random questions, or with ``due`` the ones FSRS says are due, then
    new ones in course order (and only new ones, said so, when nothing is due)."""
    questions = select(bank.questions, filters)
    rng = setup.rng()
    if not due:
        return _run(setup, plan_quiz(questions, count=count, rng=rng), "quiz")
    planner = Planner()
    memories = planner.memories(setup.history.answers([q.id for q in questions]))
    at = now()
    outlook = planner.outlook(questions, memories, at=at)
    words = Words(setup.lang)
    setup.console.print(outlook.line(lang=setup.lang, at=at), highlight=False)
    chosen = planner.due(questions, memories, at=at, limit=count)
    if not outlook.due:
        nxt = outlook.next_due
        if nxt is None:
            setup.console.print(words("nothing_due_yet"))
        else:
            when = when_text(nxt, at=at, lang=setup.lang)
            setup.console.print(words("nothing_due", when=when), highlight=False)
        if not chosen:
            setup.console.print(words("no_new"))
            return None
        setup.console.print(words("new_instead", n=len(chosen)), highlight=False)

    def seed_for(q: models.AnyQuestion) -> int:
        return fresh_seed(q, memories[q.id].seeds if q.id in memories else set(), rng)

    return _run(setup, _instances(chosen, rng, seed_for), "due")


def plan_review(
    questions: Sequence[models.AnyQuestion],
    memories: dict[str, Memory],
    *,
    count: int,
    rng: random.Random,
) -> tuple[Plan, list[str]]:
    """The missed questions still in the bank (most recently missed first, parametric
    ones with new numbers), and the ids of missed questions no longer in it."""
    ids = missed(memories)
    known = {q.id: q for q in questions if q.type in quiz_types()}
    chosen = [known[i] for i in ids if i in known][:count]
    instances = _instances(chosen, rng, lambda q: fresh_seed(q, memories[q.id].seeds, rng))
    return instances, [i for i in ids if i not in known]


def review(bank: Bank, setup: Setup, *, count: int) -> Summary | None:
    """`qbank review`: the questions whose latest answer was wrong, partial or skipped."""
    planner = Planner()
    answers = setup.history.answers()
    words = Words(setup.lang)
    if not answers:
        setup.console.print(words("no_history"))
        return None
    memories = planner.memories(answers)
    at = now()
    quizzable = [q for q in bank.questions if q.type in quiz_types()]
    outlook = planner.outlook(quizzable, memories, at=at)
    setup.console.print(outlook.line(lang=setup.lang, at=at), highlight=False)
    instances, gone = plan_review(bank.questions, memories, count=count, rng=setup.rng())
    if gone:
        setup.console.print(Text(words("gone", count=len(gone), ids=", ".join(gone))))
    if not instances:
        setup.console.print(words("nothing_missed"))
        return None
    return _run(setup, instances, "review")


def exit_code(summary: Summary | None) -> int:
    return EXIT_INTERRUPTED if summary is not None and summary.interrupted else 0


def guarded(run: Callable[[], Summary | None]) -> int:
    """Run a session; Ctrl-C before the first prompt (while loading) also ends quietly.
    Ctrl-C at a prompt is handled by the quiz itself, which then prints its summary."""
    try:
        return exit_code(run())
    except KeyboardInterrupt:
        import click

        click.echo("\ninterrupted", err=True)
        return EXIT_INTERRUPTED


def open_history() -> History:
    import click

    # click.echo, not rich: a path in the message must stay on one line to be copied.
    return History.open(warn=lambda message: click.echo(message, err=True))


def make_setup(
    bank: Bank, *, console: Console, lang: str | None, seed: int | None, history: History
) -> Setup:
    return Setup(
        console=console,
        stdin=sys.stdin,
        lang=lang or default_lang(),
        seed=seed,
        history=history,
        bank_name=display(bank.root),
    )
