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
from questionbank.answers import AnswerError, Response, Score, correct_answer, parse, score, shown
from questionbank.describe import LETTERS
from questionbank.history import AnswerRecord, now
from questionbank.instance import Instance
from questionbank.terminput import Reader
from questionbank.termtext import localized, localized_block

LANGS = ("en", "zh-TW", "both")

_EN: dict[str, str] = {
    "question": "Question {n}/{total}",
    "pt": "pt",
    "how.mcq": "Answer with a letter",
    "how.multi": "Answer with every right letter, e.g. A,C",
    "how.tf": "Answer t (true) or f (false)",
    "how.numeric": "Answer with a number, e.g. 0.91, .91 or 91%",
    "how.short": "Type a short answer",
    "keys": "s skip · q quit",
    "keys.hint": "? hint · s skip · q quit",
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
    "nothing_due": "Nothing is due now; the next review is {when}.",
    "nothing_due_yet": "Nothing is due now: no question has been answered yet.",
    "new_instead": "Here are {n} new question(s) instead, by week with the topics mixed.",
    "no_new": "Every question here has been seen: come back when one is due.",
    "no_history": "Nothing to review yet: no answer has been saved. Start with: qbank quiz",
    "nothing_missed": "Nothing to review: every question you answered was right last time.",
    "gone": "{count} missed question(s) are no longer in the bank: {ids}",
    "broken": "Skipped {id}: this question could not be made ({reason}); please tell your teacher.",
    "next": "Next review: {when}",
    "id": "id",
}
_ZH: dict[str, str] = {
    "question": "第 {n}/{total} 題",
    "pt": "分",
    "how.mcq": "請輸入一個字母作答",
    "how.multi": "請輸入所有正確的字母，例如 A,C",
    "how.tf": "請輸入 t(對)或 f(錯)",
    "how.numeric": "請輸入數字，例如 0.91、.91 或 91%",
    "how.short": "請輸入簡答",
    "keys": "s 跳過 · q 結束",
    "keys.hint": "? 提示 · s 跳過 · q 結束",
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
    "nothing_due": "目前沒有到期的題目；下次複習：{when}。",
    "nothing_due_yet": "目前沒有到期的題目：還沒有作答任何題目。",
    "new_instead": "改為練習 {n} 題新題目，依週次排列，主題交錯。",
    "no_new": "這裡的題目都已練習過：等有題目到期時再回來。",
    "no_history": "還沒有可複習的題目：尚未儲存任何作答。先從 qbank quiz 開始。",
    "nothing_missed": "沒有需要複習的題目：你上次作答的題目都答對了。",
    "gone": "有 {count} 題答錯的題目已不在題庫中：{ids}",
    "broken": "已跳過 {id}：這題無法產生({reason})；請告訴老師。",
    "next": "下次複習：{when}",
    "id": "題目",
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


class Unavailable(Exception):
    """A question of the session that could not be instantiated (a parameter value its
    template or answer cannot take): the quiz skips it and goes on."""

    def __init__(self, question_id: str, reason: str) -> None:
        super().__init__(f"{question_id}: {reason}")
        self.question_id = question_id
        self.reason = reason


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
        next_review: Callable[[AnswerRecord], str | None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.instances = instances  # may be made lazily (session.Plan): not copied
        self.console = console
        self.reader = reader
        self.lang = lang
        self.words = Words(lang)
        self.on_answer = on_answer
        self.next_review = next_review  # 'in 10 min (14:32)' for a saved answer
        self.clock = clock

    def run(self) -> Summary:
        summary = Summary()
        try:
            for n in range(1, len(self.instances) + 1):
                summary.asked = n
                try:
                    inst = self.instances[n - 1]
                except Unavailable as exc:
                    message = self.words("broken", id=exc.question_id, reason=exc.reason)
                    self.console.print(Text(message, style="yellow"), soft_wrap=True)
                    continue
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
        self.console.print(localized_block(inst.prompt, self.lang))
        if inst.choices:
            grid = Table.grid(padding=(0, 1))
            grid.add_column(no_wrap=True)
            grid.add_column(overflow="fold")
            for i, choice in enumerate(inst.choices):
                grid.add_row(f"  {LETTERS[i]}.", localized_block(choice.text, self.lang))
            self.console.print(grid)
        how = w("how." + q.type)
        if inst.choices and self.reader.arrows:
            how += f" ({w('arrows')})"
        # '?' is offered only where there is a hint to give.
        keys = w("keys.hint" if inst.hint else "keys")
        self.console.print(Text(f"{how} · {keys}", style="dim"))
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
                if inst.hint:
                    hint_used = True
                    self.console.print(
                        Text(f"{w('hint')}: ", style="cyan") + localized(inst.hint, self.lang)
                    )
                else:  # not offered, so not counted: a right answer still rates Good
                    self.console.print(Text(w("no_hint"), style="cyan"))
                continue
            if command == "s":
                result = Result(inst, None, Score(0.0), hint_used)
            else:
                try:
                    response = parse(inst, raw)
                except AnswerError as exc:
                    self.console.print(Text(exc.message(self.lang), style="red"))
                    continue
                result = Result(inst, response, score(inst, response), hint_used)
            # Saved before anything else is shown: a failure in showing the feedback
            # must never lose the answer.
            record = self._record(result, started)
            if result.response is None:
                self.console.print(Text(f"{w('skipped')} {self._answer(inst)}", style="yellow"))
                self._explain(inst)
            else:
                self._feedback(result)
            self._show_next_review(record)
            return result

    def _show_next_review(self, record: AnswerRecord | None) -> None:
        when = self.next_review(record) if self.next_review and record else None
        if when:
            self.console.print(Text(self.words("next", when=when), style="dim"))

    def _answer(self, inst: Instance) -> str:
        answer = correct_answer(inst, self.lang)
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
            self.console.print(localized_block(inst.explanation, self.lang))

    def _record(self, result: Result, started: float) -> AnswerRecord | None:
        if self.on_answer is None:
            return None
        inst = result.instance
        record = AnswerRecord(
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
        self.on_answer(record)
        return record

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
            table.add_column(w("id"), no_wrap=True)
            for name in ("yours", "answer"):
                table.add_column(w(name), no_wrap=True, max_width=SUMMARY_WIDTH)
            for r in missed:
                given = shown(r.response, self.lang) if r.response else w("skip_mark")
                answer = correct_answer(r.instance, self.lang)
                table.add_row(r.instance.id, clip(given), clip(answer))
            self.console.print(table)


SUMMARY_WIDTH = 30  # terminal cells of an answer in the summary; the rest is cut with …


def clip(text: str, width: int = SUMMARY_WIDTH) -> Text:
    """One line of at most ``width`` cells, ending in … when cut (CJK counts double)."""
    line = Text(" ".join(text.split()))
    line.truncate(width, overflow="ellipsis")
    return line


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
