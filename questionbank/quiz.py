"""The practice loop: one question at a time, feedback at once, a summary at the end.

The loop takes the console it prints on and a :class:`Reader` it reads answers from,
so a test drives it with ``io.StringIO`` and the CLI with the terminal. Every answer
goes to ``on_answer`` (the history) as soon as it is given: quitting with ``q``,
end of input or Ctrl-C loses nothing already answered.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from questionbank import models
from questionbank.answers import AnswerError, Response, Score, correct_answer, parse, score
from questionbank.describe import LETTERS
from questionbank.history import AnswerRecord, now
from questionbank.instance import Instance, pick
from questionbank.mathtext import readable
from questionbank.params import Localized
from questionbank.terminput import Reader

LANGS = ("en", "zh-TW", "both")

_EN: dict[str, str] = {
    "question": "Question {n}/{total}",
    "pt": "pt",
    "how.mcq": "Answer with a letter",
    "how.multi": "Answer with every right letter, e.g. A,C",
    "how.tf": "Answer t (true) or f (false)",
    "how.numeric": "Answer with a number, e.g. 0.91, .91 or 91%",
    "how.short": "Type a short answer",
    "keys": "? hint · s skip · q quit",
    "arrows": "↑↓ pick",
    "correct": "✓ Correct",
    "partly": "◐ Partly right: {got:g} of {points:g} pt",
    "wrong": "✗ Wrong",
    "answer": "Answer",
    "hint": "Hint",
    "no_hint": "This question has no hint.",
    "skipped": "Skipped. The answer was",
    "why": "Explanation",
    "quit": "Quit: your answers so far are saved.",
    "eof": "End of input: your answers so far are saved.",
    "interrupted": "Interrupted: your answers so far are saved.",
    "score": (
        "Score: {got:g} / {total:g} points ({pct:.0%}) · {answered} answered · {skipped} skipped"
    ),
    "none": "No question was answered.",
    "topic": "topic",
    "asked": "asked",
    "right": "right",
    "points": "points",
    "missed": "To review",
    "yours": "your answer",
    "skip_mark": "(skipped)",
    "nothing_due": "Nothing is due now; the next review is at {when}.",
    "nothing_missed": "Nothing to review: every question you answered was right last time.",
    "gone": "{count} missed question(s) are no longer in the bank: {ids}",
}
_ZH: dict[str, str] = {
    "question": "第 {n}/{total} 題",
    "pt": "分",
    "how.mcq": "請輸入一個字母作答",
    "how.multi": "請輸入所有正確的字母，例如 A,C",
    "how.tf": "請輸入 t(對)或 f(錯)",
    "how.numeric": "請輸入數字，例如 0.91、.91 或 91%",
    "how.short": "請輸入簡答",
    "keys": "? 提示 · s 跳過 · q 結束",
    "arrows": "↑↓ 選擇",
    "correct": "✓ 答對了",
    "partly": "◐ 部分正確：{got:g} / {points:g} 分",
    "wrong": "✗ 答錯了",
    "answer": "正確答案",
    "hint": "提示",
    "no_hint": "這題沒有提示。",
    "skipped": "已跳過。正確答案是",
    "why": "解說",
    "quit": "已結束：目前的作答都已儲存。",
    "eof": "輸入已結束：目前的作答都已儲存。",
    "interrupted": "已中斷：目前的作答都已儲存。",
    "score": "得分：{got:g} / {total:g} 分({pct:.0%}) · 作答 {answered} 題 · 跳過 {skipped} 題",
    "none": "沒有作答任何題目。",
    "topic": "主題",
    "asked": "題數",
    "right": "答對",
    "points": "得分",
    "missed": "需要複習",
    "yours": "你的答案",
    "skip_mark": "(跳過)",
    "nothing_due": "目前沒有到期的題目；下次複習時間：{when}。",
    "nothing_missed": "沒有需要複習的題目：你上次作答的題目都答對了。",
    "gone": "有 {count} 題答錯的題目已不在題庫中：{ids}",
}


class Words:
    """The quiz's own words in the chosen language ('both': English / 中文)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, key: str, **values: object) -> str:
        if self.lang == "zh-TW":
            return _ZH[key].format(**values)
        if self.lang == "both":
            en, zh = _EN[key].format(**values), _ZH[key].format(**values)
            return en if en == zh else f"{en} / {zh}"
        return _EN[key].format(**values)


@dataclass(frozen=True)
class Result:
    instance: Instance
    response: Response | None  # None: skipped
    score: Score
    hint_used: bool

    @property
    def points(self) -> float:
        return self.score.fraction * self.instance.question.points


@dataclass
class Summary:
    results: list[Result] = field(default_factory=list)
    asked: int = 0
    ended_by: str = "done"  # done | quit | eof | interrupted

    @property
    def interrupted(self) -> bool:
        return self.ended_by == "interrupted"


def _langs(text: Localized | None, lang: str) -> list[str]:
    if lang != "both" or text is None or isinstance(text, str):
        return [lang if lang != "both" else "en"]
    return [tag for tag in ("en", "zh-TW") if tag in text] or ["en"]


def localized(text: Localized | None, lang: str) -> Text:
    """A text in the quiz language, math made readable; 'both' gives one line per language."""
    return Text("\n").join(Text(readable(pick(text, tag))) for tag in _langs(text, lang))


class Quiz:
    """One practice session over a list of instances."""

    def __init__(
        self,
        instances: Sequence[Instance],
        *,
        console: Console,
        reader: Reader,
        lang: str,
        on_answer: Callable[[AnswerRecord], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.instances = instances  # may be made lazily (session.Plan): not copied
        self.console = console
        self.reader = reader
        self.lang = lang
        self.words = Words(lang)
        self.on_answer = on_answer
        self.clock = clock

    def run(self) -> Summary:
        summary = Summary()
        try:
            for n, inst in enumerate(self.instances, start=1):
                summary.asked = n
                result = self._ask(inst, n)
                if isinstance(result, str):
                    summary.asked = n - 1
                    summary.ended_by = result
                    break
                summary.results.append(result)
        except KeyboardInterrupt:
            summary.ended_by = "interrupted"
            self.console.print()
        if summary.ended_by != "done":
            self.console.print(Text(self.words(summary.ended_by), style="yellow"))
        self.print_summary(summary)
        return summary

    def _ask(self, inst: Instance, n: int) -> Result | str:
        q = inst.question
        w = self.words
        head = f"{w('question', n=n, total=len(self.instances))} · {q.topic} · {q.id}"
        self.console.print(Rule(Text(f"{head} · {q.points:g} {w('pt')}"), align="left"))
        self.console.print(localized(inst.prompt, self.lang))
        if inst.choices:
            grid = Table.grid(padding=(0, 1))
            grid.add_column(no_wrap=True)
            grid.add_column(overflow="fold")
            for i, choice in enumerate(inst.choices):
                grid.add_row(f"  {LETTERS[i]}.", localized(choice.text, self.lang))
            self.console.print(grid)
        how = w("how." + q.type)
        if inst.choices and self.reader.arrows:
            how += f" ({w('arrows')})"
        self.console.print(Text(f"{how} · {w('keys')}", style="dim"))
        started = self.clock()
        hint_used = False
        while True:
            raw = self.reader.ask("> ", choices=len(inst.choices))
            if raw is None:
                return "eof"
            command = raw.strip().casefold()
            if command == "q":
                return "quit"
            if command == "?":
                hint_used = True
                if inst.hint:
                    self.console.print(
                        Text(f"{w('hint')}: ", style="cyan") + localized(inst.hint, self.lang)
                    )
                else:
                    self.console.print(Text(w("no_hint"), style="cyan"))
                continue
            if command == "s":
                result = Result(inst, None, Score(0.0), hint_used)
                self.console.print(Text(f"{w('skipped')} {self._answer(inst)}", style="yellow"))
                self._explain(inst)
                self._record(result, started)
                return result
            try:
                response = parse(inst, raw)
            except AnswerError as exc:
                self.console.print(Text(exc.message(self.lang), style="red"))
                continue
            result = Result(inst, response, score(inst, response), hint_used)
            self._feedback(result)
            self._record(result, started)
            return result

    def _answer(self, inst: Instance) -> str:
        answer = correct_answer(inst)
        if len(inst.correct_indexes) == 1:
            text = localized(inst.choices[inst.correct_indexes[0]].text, self.lang).plain
            answer += ". " + text.replace("\n", " / ")
        return answer

    def _feedback(self, result: Result) -> None:
        inst, w = result.instance, self.words
        if result.score.correct:
            self.console.print(Text(w("correct"), style="bold green"))
        elif result.score.fraction > 0:
            got, points = result.points, inst.question.points
            text = w("partly", got=round(got, 2), points=points)
            self.console.print(Text(text, style="bold yellow"))
        else:
            self.console.print(Text(w("wrong"), style="bold red"))
        if not result.score.correct:
            self.console.print(Text(f"{w('answer')}: ", style="bold") + Text(self._answer(inst)))
        for pick_index in result.response.picks if result.response else ():
            feedback = inst.choices[pick_index].feedback
            if feedback:
                mark = Text(f"{LETTERS[pick_index]}: ", style="bold")
                self.console.print(mark + localized(feedback, self.lang))
        self._explain(inst)

    def _explain(self, inst: Instance) -> None:
        if inst.explanation:
            self.console.print(Text(f"{self.words('why')}:", style="bold"))
            self.console.print(localized(inst.explanation, self.lang))

    def _record(self, result: Result, started: float) -> None:
        if self.on_answer is None:
            return
        inst = result.instance
        self.on_answer(
            AnswerRecord(
                question_id=inst.id,
                topic=inst.question.topic,
                qtype=inst.type,
                seed=inst.seed,
                given=result.response.shown() if result.response else "",
                fraction=result.score.fraction,
                points=inst.question.points,
                skipped=result.response is None,
                hint_used=result.hint_used,
                seconds=round(self.clock() - started, 3),
                answered_at=now(),
            )
        )

    def print_summary(self, summary: Summary) -> None:
        w = self.words
        self.console.print(Rule())
        results = summary.results
        if not results:
            self.console.print(w("none"))
            return
        got = sum(r.points for r in results)
        total = sum(r.instance.question.points for r in results)
        skipped = sum(r.response is None for r in results)
        self.console.print(
            Text(
                w(
                    "score",
                    got=round(got, 2),
                    total=total,
                    pct=got / total if total else 0.0,
                    answered=len(results) - skipped,
                    skipped=skipped,
                ),
                style="bold",
            )
        )
        self.console.print(topic_table(results, w))
        missed = [r for r in results if not r.score.correct]
        if missed:
            table = Table(title=w("missed"), title_justify="left", header_style="bold")
            table.add_column("id", no_wrap=True)
            table.add_column(w("yours"), overflow="fold")
            table.add_column(w("answer"), overflow="fold")
            for r in missed:
                given = r.response.shown() if r.response else w("skip_mark")
                table.add_row(r.instance.id, given, correct_answer(r.instance))
            self.console.print(table)


def topic_table(results: Sequence[Result], words: Words) -> Table:
    rows: dict[str, list[float]] = {}
    for r in results:
        row = rows.setdefault(r.instance.question.topic, [0, 0, 0.0, 0.0])
        row[0] += 1
        row[1] += r.score.correct
        row[2] += r.points
        row[3] += r.instance.question.points
    table = Table(header_style="bold")
    table.add_column(words("topic"))
    for name in ("asked", "right", "points"):
        table.add_column(words(name), justify="right")
    table.add_column("%", justify="right")
    for topic, (asked, right, got, total) in sorted(rows.items()):
        pct = f"{got / total:.0%}" if total else "-"
        points = f"{round(got, 2):g}/{round(total, 2):g}"
        table.add_row(topic, f"{asked:g}", f"{right:g}", points, pct)
    return table


def quiz_types() -> tuple[str, ...]:
    """Question types a terminal quiz can ask (code questions are for `qbank practice`)."""
    return tuple(t for t in models.QUESTION_TYPES if t != "code")
