"""The quiz loop driven with io.StringIO: feedback, hint, skip, quit, EOF, Ctrl-C."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from questionbank.history import AnswerRecord
from questionbank.instance import instantiate
from questionbank.quiz import Quiz, Summary
from questionbank.terminput import LineReader
from tests.practice_helpers import fixture_bank, right_answer


@pytest.fixture(scope="module")
def bank():  # type: ignore[no-untyped-def]
    return fixture_bank()


def _run(
    bank, ids: list[str], answers: str, lang: str = "en", **console_options: object
) -> tuple[str, Summary, list[AnswerRecord]]:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    console = Console(file=out, width=100, **console_options)  # type: ignore[arg-type]
    saved: list[AnswerRecord] = []
    quiz = Quiz(
        [instantiate(bank.get(i), 3) for i in ids],
        console=console,
        reader=LineReader(io.StringIO(answers), console),
        lang=lang,
        on_answer=saved.append,
    )
    summary = quiz.run()
    return out.getvalue(), summary, saved


def test_right_answer_feedback_and_math(bank) -> None:  # type: ignore[no-untyped-def]
    out, summary, saved = _run(bank, ["fx-mcq-sigmoid-derivative"], "a\n")
    assert "What is the derivative of the sigmoid σ(x)?" in out
    assert "A. σ(x)(1 − σ(x))" in out
    assert "\\sigma" not in out and "$" not in out
    assert "✓ Correct" in out
    assert "Explanation:\nThe derivative is σ(x)(1 − σ(x)), at most 0.25." in out
    assert "Score: 1 / 1 points (100%) · 1 answered · 0 skipped" in out
    assert [(a.question_id, a.fraction, a.given, a.skipped) for a in saved] == [
        ("fx-mcq-sigmoid-derivative", 1.0, "A", False)
    ]
    assert summary.ended_by == "done"


def test_wrong_answer_shows_answer_and_the_choice_feedback(bank) -> None:  # type: ignore[no-untyped-def]
    out, _, saved = _run(bank, ["fx-mcq-sigmoid-derivative"], "b\n")
    assert "✗ Wrong" in out
    assert "Answer: A. σ(x)(1 − σ(x))" in out
    assert "B: That is the derivative of tanh, written with tanh." in out
    assert "To review" in out and "fx-mcq-sigmoid-derivative" in out
    assert saved[0].fraction == 0.0 and saved[0].given == "B"


def test_bad_answer_is_asked_again_not_counted(bank) -> None:  # type: ignore[no-untyped-def]
    out, _, saved = _run(bank, ["fx-tf-relu-negative"], "maybe\nt\n")
    assert "'maybe' is not true or false; expected t or f (對 or 錯)" in out
    assert len(saved) == 1 and saved[0].fraction == 1.0


def test_hint_then_skip_then_quit_keeps_answers(bank) -> None:  # type: ignore[no-untyped-def]
    ids = ["fx-mcq-sigmoid-derivative", "fx-tf-relu-negative", "fx-short-softmax"]
    out, summary, saved = _run(bank, ids, "?\na\ns\nq\n")
    assert "Hint: Differentiate 1/(1+e^{-x}) with the chain rule." in out
    assert "Skipped. The answer was true" in out
    assert "Quit: your answers so far are saved." in out
    assert "Question 3/3" in out  # the third was shown, then quit
    assert summary.ended_by == "quit"
    assert [(a.question_id, a.hint_used, a.skipped) for a in saved] == [
        ("fx-mcq-sigmoid-derivative", True, False),
        ("fx-tf-relu-negative", False, True),
    ]
    assert "Score: 1 / 2 points (50%) · 1 answered · 1 skipped" in out


def test_end_of_input_stops_cleanly(bank) -> None:  # type: ignore[no-untyped-def]
    out, summary, saved = _run(bank, ["fx-tf-relu-negative", "fx-short-softmax"], "t\n")
    assert summary.ended_by == "eof"
    assert "End of input: your answers so far are saved." in out
    assert len(saved) == 1


def test_ctrl_c_at_a_prompt_keeps_answers(bank) -> None:  # type: ignore[no-untyped-def]
    class Interrupting:
        arrows = False

        def __init__(self) -> None:
            self.calls = 0

        def ask(self, prompt: str, *, choices: int = 0) -> str | None:
            self.calls += 1
            if self.calls > 1:
                raise KeyboardInterrupt
            return "t"

    out = io.StringIO()
    saved: list[AnswerRecord] = []
    quiz = Quiz(
        [instantiate(bank.get(i)) for i in ["fx-tf-relu-negative", "fx-short-softmax"]],
        console=Console(file=out, width=100),
        reader=Interrupting(),
        lang="en",
        on_answer=saved.append,
    )
    summary = quiz.run()
    assert summary.interrupted
    assert "Interrupted: your answers so far are saved." in out.getvalue()
    assert [a.question_id for a in saved] == ["fx-tf-relu-negative"]


def test_multi_partial_credit_shown(bank) -> None:  # type: ignore[no-untyped-def]
    out, _, saved = _run(bank, ["fx-multi-supervised"], "a,b\n")
    assert "✗ Wrong" in out  # (1 right - 1 wrong) / 2 = 0
    out, _, saved = _run(bank, ["fx-multi-supervised"], "a\n")
    assert "◐ Partly right: 0.5 of 1 pt" in out
    assert "Answer: A,C" in out
    assert saved[0].fraction == 0.5


def test_chinese_session(bank) -> None:  # type: ignore[no-untyped-def]
    inst = instantiate(bank.get("fx-numeric-accuracy"), 3)
    out, _, saved = _run(
        bank,
        ["fx-numeric-accuracy", "fx-tf-relu-negative"],
        f"{right_answer(inst)}\n錯\n",
        lang="zh-TW",
    )
    assert "第 1/2 題" in out and "正確率為何？" in out
    assert "✓ 答對了" in out and "✗ 答錯了" in out
    assert "正確答案: 對" in out
    assert "得分：1 / 2 分(50%) · 作答 2 題 · 跳過 0 題" in out
    assert [a.fraction for a in saved] == [1.0, 0.0]


def test_both_languages(bank) -> None:  # type: ignore[no-untyped-def]
    out, _, _ = _run(bank, ["fx-multi-supervised"], "a,c\n", lang="both")
    assert "Which are supervised learning methods?\n下列哪些是監督式學習方法？" in out
    assert "Support vector machine (SVM)" in out and "支持向量機(SVM)" in out
    assert "✓ Correct / ✓ 答對了" in out


def test_colours_only_when_asked(bank) -> None:  # type: ignore[no-untyped-def]
    plain, _, _ = _run(bank, ["fx-tf-relu-negative"], "t\n")
    assert "\x1b[" not in plain
    coloured, _, _ = _run(bank, ["fx-tf-relu-negative"], "t\n", force_terminal=True)
    assert "\x1b[" in coloured
    no_color, _, _ = _run(bank, ["fx-tf-relu-negative"], "t\n", force_terminal=True, no_color=True)
    assert re.search(r"\x1b\[(?:[\d;]*;)?3[0-8](?:;[\d;]*)?m", coloured)
    assert not re.search(r"\x1b\[(?:[\d;]*;)?3[0-8](?:;[\d;]*)?m", no_color)  # bold may stay


def test_cjk_choices_aligned(bank) -> None:  # type: ignore[no-untyped-def]
    out, _, _ = _run(bank, ["fx-multi-supervised"], "q\n", lang="zh-TW")
    lines = [line for line in out.splitlines() if line.strip().startswith(("A.", "B.", "C.", "D."))]
    starts = {line.index(".") + 2 for line in lines}
    assert len(lines) == 4 and len(starts) == 1  # every text starts in the same column


def test_answer_is_saved_before_its_feedback_is_shown(bank, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Issue 11: the renderer crashed after "✓ Correct" and the answer was lost. Whatever
    # fails while the feedback is shown, the answer is already in the history.
    import dataclasses

    import questionbank.termtext as termtext

    real = termtext.blocks

    def failing(text: str):  # type: ignore[no-untyped-def]
        if text == "BOOM":
            raise RuntimeError("renderer failed")
        return real(text)

    monkeypatch.setattr(termtext, "blocks", failing)
    inst = dataclasses.replace(instantiate(bank.get("fx-tf-relu-negative")), explanation="BOOM")
    out = io.StringIO()
    console = Console(file=out, width=100)
    saved: list[AnswerRecord] = []
    quiz = Quiz(
        [inst],
        console=console,
        reader=LineReader(io.StringIO("t\n"), console),
        lang="en",
        on_answer=saved.append,
    )
    with pytest.raises(RuntimeError, match="renderer failed"):
        quiz.run()
    assert [(a.question_id, a.fraction) for a in saved] == [("fx-tf-relu-negative", 1.0)]


def test_a_question_that_cannot_be_made_is_skipped_in_one_line(bank) -> None:  # type: ignore[no-untyped-def]
    from questionbank.quiz import Unavailable

    good = instantiate(bank.get("fx-tf-relu-negative"))

    class Instances(list):  # type: ignore[type-arg]
        def __getitem__(self, index):  # type: ignore[no-untyped-def]
            if index == 0:
                raise Unavailable("fx-broken", "seed 7: ZeroDivisionError: division by zero")
            return good

    out = io.StringIO()
    console = Console(file=out, width=60)
    saved: list[AnswerRecord] = []
    summary = Quiz(
        Instances([None, good]),
        console=console,
        reader=LineReader(io.StringIO("t\n"), console),
        lang="en",
        on_answer=saved.append,
    ).run()
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "Skipped fx-broken: this question could not be made "
        "(seed 7: ZeroDivisionError: division by zero); please tell your teacher."
    )
    assert "Traceback" not in out.getvalue()
    assert [a.question_id for a in saved] == ["fx-tf-relu-negative"]
    assert summary.ended_by == "done"


def test_hint_is_offered_only_when_there_is_one(bank) -> None:  # type: ignore[no-untyped-def]
    with_hint, _, _ = _run(bank, ["fx-mcq-sigmoid-derivative"], "q\n")
    assert "Answer with a letter · ? hint · s skip · q quit" in with_hint
    out, _, saved = _run(bank, ["fx-short-softmax"], "?\nsoftmax\n")
    assert "Type a short answer · s skip · q quit" in out and "? hint" not in out
    assert "This question has no hint." in out
    # '?' on a question without a hint is not a hint: the right answer still rates Good.
    assert [(a.hint_used, a.fraction) for a in saved] == [(False, 1.0)]


def test_true_false_answers_in_chinese(bank) -> None:  # type: ignore[no-untyped-def]
    out, _, _ = _run(bank, ["fx-tf-relu-negative"], "f\n", lang="zh-TW")
    assert "正確答案: 對" in out
    assert "│ fx-tf-relu-negative │ 錯       │ 對       │" in out
    assert "true" not in out and "false" not in out
    both, _, _ = _run(bank, ["fx-tf-relu-negative"], "s\n", lang="both")
    assert "正確答案是 true / 對" in both


def test_short_answer_key_shows_answers_not_patterns(bank) -> None:  # type: ignore[no-untyped-def]
    q = bank.get("fx-short-softmax")
    assert q.patterns  # the fixture has a regex besides its answers
    out, _, _ = _run(bank, ["fx-short-softmax"], "sigmoid\n")
    assert "Answer: " + " / ".join(q.answers) in out
    for pattern in q.patterns:
        assert pattern not in out


def test_summary_cuts_long_answers(bank) -> None:  # type: ignore[no-untyped-def]
    long = "a very long answer that goes on and on " * 5
    out, _, saved = _run(bank, ["fx-short-softmax"], long + "\n")
    assert saved[0].given == " ".join(long.split())  # the history keeps it whole
    row = next(line for line in out.splitlines() if line.startswith("│ fx-short-softmax"))
    assert "a very long answer that goes …" in row
    assert len(row) < 80


def test_next_review_is_shown_after_each_answer(bank) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    console = Console(file=out, width=100)
    asked: list[str] = []

    def next_review(record: AnswerRecord) -> str:
        asked.append(record.question_id)
        return "in 10 min (14:32)" if record.fraction == 1 else "in 1 min (14:23)"

    ids = ["fx-tf-relu-negative", "fx-short-softmax"]
    Quiz(
        [instantiate(bank.get(i)) for i in ids],
        console=console,
        reader=LineReader(io.StringIO("t\nnope\n"), console),
        lang="en",
        on_answer=lambda record: None,
        next_review=next_review,
    ).run()
    assert asked == ids
    text = out.getvalue()
    assert "✓ Correct\nExplanation:\nReLU(x) = max(0, x).\nNext review: in 10 min (14:32)" in text
    assert "Next review: in 1 min (14:23)" in text


def test_markdown_is_rendered_and_wrapped(bank) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    prompt = (
        "Which call averages **each column** of `x`? It is *not* `np.sum`, and this "
        "sentence is long enough to be wrapped at the width of the terminal.\n\n"
        "```python\nx = np.ones((2, 3))\n```"
    )
    inst = dataclasses.replace(instantiate(bank.get("fx-short-softmax")), prompt=prompt)
    out = io.StringIO()
    console = Console(file=out, width=40)
    Quiz([inst], console=console, reader=LineReader(io.StringIO("q\n"), console), lang="en").run()
    text = out.getvalue()
    assert "`" not in text and "**" not in text and "*not*" not in text
    assert "Which call averages each column of x?" in " ".join(text.split())
    assert "    x = np.ones((2, 3))" in text
    assert all(len(line) <= 40 for line in text.splitlines())
