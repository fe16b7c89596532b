"""Assemble stage: select a paper's questions, then lay out each version.

Selection is made once per spec (every version asks the same questions); each
version then gets its own question order within sections, its own choice order
(pinned choices and "All of the above" stay put) and its own parameters. Every random
choice comes from a generator seeded by text such as ``"20231108:B:order"``, so the
same spec and seed always give the same papers, on any machine and Python version.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from questionbank import models
from questionbank.bank import Bank
from questionbank.diagnostics import suggest
from questionbank.errors import InputError, Problem
from questionbank.exam_spec import COURSE_TOPICS, Filter, LoadedSpec, Section, Student
from questionbank.instance import Instance, instantiate
from questionbank.localized import pick
from questionbank.params import ParamEngine


@dataclass(frozen=True)
class PaperItem:
    number: int
    instance: Instance
    points: float

    @property
    def question(self) -> models.AnyQuestion:
        return self.instance.question


@dataclass(frozen=True)
class PaperSection:
    section: Section
    items: list[PaperItem]


@dataclass(frozen=True)
class Version:
    label: str
    student: Student | None
    sections: list[PaperSection]

    @property
    def items(self) -> list[PaperItem]:
        return [item for section in self.sections for item in section.items]

    @property
    def total_points(self) -> float:
        return sum(item.points for item in self.items)


@dataclass(frozen=True)
class Exam:
    loaded: LoadedSpec
    selection: list[list[models.AnyQuestion]]
    versions: list[Version]


def _describe(pool: Filter) -> str:
    parts = []
    for name, value in pool.model_dump(exclude_defaults=True).items():
        if isinstance(value, (list, tuple)) and value:
            shown = ", ".join(str(v) for v in value)
            parts.append(f"{name}: [{shown}]")
    return "{" + "; ".join(parts) + "}" if parts else "any question"


def select(loaded: LoadedSpec, bank: Bank) -> list[list[models.AnyQuestion]]:
    """The questions of each section, never repeating one; all problems raised together."""
    spec = loaded.spec
    problems: list[Problem] = []
    chosen: list[list[models.AnyQuestion]] = [[] for _ in spec.sections]
    taken: dict[str, int] = {}
    known = {q.id for q in bank.questions}
    # Listed questions are reserved first, so a pool never takes one a later section names.
    for i, section in enumerate(spec.sections):
        for j, qid in enumerate(section.questions or []):
            where = loaded.location("sections", i, "questions", j)
            if qid not in known:
                problems.append(
                    Problem(
                        where,
                        f"exam spec: section {i + 1}: no question with id '{qid}' in the bank"
                        f"{suggest(qid, known)}",
                    )
                )
            elif qid in taken:
                problems.append(
                    Problem(
                        where,
                        f"exam spec: section {i + 1}: question '{qid}' is already on the paper "
                        f"(section {taken[qid] + 1}); a paper never repeats a question",
                    )
                )
            elif (clash := _group_clash(bank.get(qid), chosen)) is not None:
                problems.append(
                    Problem(
                        where,
                        f"exam spec: section {i + 1}: questions '{clash.id}' and '{qid}' are "
                        f"both in group '{clash.group}', which a paper draws at most one of "
                        "(list only one of them)",
                    )
                )
            else:
                taken[qid] = i
                chosen[i].append(bank.get(qid))
    topics = sorted({q.topic for q in bank.questions} | set(COURSE_TOPICS))
    for i, section in enumerate(spec.sections):
        pool_filter = section.from_
        if pool_filter is None or section.pick is None:
            continue
        typos = False
        for j, topic in enumerate(pool_filter.topic):
            if topic not in topics:
                typos = True
                problems.append(
                    Problem(
                        loaded.location("sections", i, "from", "topic", j),
                        f"exam spec: section {i + 1}: unknown topic '{topic}'"
                        f"{suggest(topic, topics)}; expected a course topic or one in the bank",
                    )
                )
        if typos:
            continue  # the pool size means nothing until the topic is fixed
        matching = [q for q in bank.questions if pool_filter.matches(q)]
        groups = {q.group for qs in chosen for q in qs if q.group}
        pool = [q for q in matching if q.id not in taken and q.group not in groups]
        distinct = len({q.group or f"\0{q.id}" for q in pool})
        if distinct < section.pick:
            used = len(matching) - len(pool)
            note = f" ({used} more match but are used by other sections)" if used else ""
            if distinct < len(pool):
                note += f" (of which {len(pool) - distinct} share a group with another)"
            title = pick(section.title, "en")
            problems.append(
                Problem(
                    loaded.location("sections", i, "pick"),
                    f"exam spec: section {i + 1} '{title}': pick {section.pick} but only "
                    f"{len(pool)} question(s) match {_describe(pool_filter)}{note}; "
                    "widen the filter or pick fewer",
                )
            )
            continue
        picked = _draw(pool, section.pick, f"{spec.seed}:select:{i}")
        chosen[i] = [q for q in pool if q.id in picked]  # bank order; versions shuffle later
        taken.update(dict.fromkeys(picked, i))
    if problems:
        raise InputError(problems)
    return chosen


def _group_clash(
    question: models.AnyQuestion, chosen: list[list[models.AnyQuestion]]
) -> models.AnyQuestion | None:
    if question.group is None:
        return None
    return next((q for qs in chosen for q in qs if q.group == question.group), None)


def _draw(pool: list[models.AnyQuestion], count: int, seed: str) -> set[str]:
    """``count`` ids from the pool, at most one per group. A draw with no two of a group
    is the plain sample of earlier versions, so papers of banks without groups keep
    their questions; otherwise the pool is shuffled and walked, skipping taken groups."""
    picked = random.Random(seed).sample(pool, count)
    groups = [q.group for q in picked if q.group]
    if len(groups) == len(set(groups)):
        return {q.id for q in picked}
    ids: set[str] = set()
    seen: set[str] = set()
    for q in random.Random(f"{seed}:groups").sample(pool, len(pool)):
        if len(ids) == count:
            break
        if q.group is None or q.group not in seen:
            ids.add(q.id)
            seen.update([q.group] if q.group else [])
    return ids


def param_seed(seed: int, label: str) -> int:
    """The instance seed of a version: stable across runs (unlike ``hash``)."""
    digest = hashlib.sha256(f"{seed}:{label}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def layout(
    loaded: LoadedSpec,
    selection: list[list[models.AnyQuestion]],
    label: str,
    *,
    engine: ParamEngine,
    student: Student | None = None,
) -> Version:
    """One version: its question order, choice order and parameter values."""
    spec = loaded.spec
    order_rng = random.Random(f"{spec.seed}:{label}:order")
    instance_seed = param_seed(spec.seed, label)
    number = 0
    sections: list[PaperSection] = []
    for section, questions in zip(spec.sections, selection, strict=True):
        ordered = list(questions)
        if spec.shuffle.questions:
            order_rng.shuffle(ordered)
        items: list[PaperItem] = []
        for question in ordered:
            number += 1
            choice_rng = (
                random.Random(f"{spec.seed}:{label}:{question.id}:choices")
                if spec.shuffle.choices
                else None
            )
            inst = instantiate(question, instance_seed, engine=engine, shuffle_rng=choice_rng)
            items.append(PaperItem(number, inst, section.points or question.points))
        sections.append(PaperSection(section, items))
    return Version(label=label, student=student, sections=sections)


def assemble(loaded: LoadedSpec, bank: Bank, *, engine: ParamEngine | None = None) -> Exam:
    """Select the questions and lay out every version the spec asks for."""
    engine = engine or ParamEngine()
    selection = select(loaded, bank)
    students: list[Student | None] = list(loaded.students) or [None] * len(loaded.labels)
    versions = [
        layout(loaded, selection, label, engine=engine, student=student)
        for label, student in zip(loaded.labels, students, strict=True)
    ]
    return Exam(loaded=loaded, selection=selection, versions=versions)
