"""Grade stage of practice: a typed answer parsed, then scored against an instance.

Parsing is apart from display so that the quiz loop, scripted sessions and tests all
share one set of rules, and so that a badly typed answer (``e`` for a four-choice
question, ``abc`` for a number) gets a message saying what was expected instead of
being counted wrong.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from questionbank import models
from questionbank.describe import LETTERS, answer_line
from questionbank.instance import Instance

TRUE_WORDS = frozenset({"t", "true", "y", "yes", "o", "對", "是", "正確", "真"})
FALSE_WORDS = frozenset({"f", "false", "n", "no", "x", "錯", "否", "錯誤", "假"})

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?")
# Separators and the brackets of the seed's '(a) … (b) …' style, ignored around letters.
_LETTER_SEPARATORS = frozenset(" ,;、/.()。")
# Thousands groups after a first group that is not 0: 1,024 and 101,770, never 0,971.
_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d*)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "one_letter": "a letter from A to {last}",
        "letters": "letters from A to {last}, e.g. A,C",
        "no_letters": "expected {what}",
        "not_a_choice": "'{ch}' is not one of the choices; expected {what}",
        "too_many": "'{text}' picks {n} choices; expected one letter",
        "not_flag": "'{text}' is not true or false; expected t or f (對 or 錯)",
        "not_number": "'{text}' is not a number; expected e.g. 0.91, .91, 91% or 3/4",
        "comma": (
            "'{text}' is ambiguous: is the comma a decimal point or a thousands separator? "
            "Write {dot} for a decimal; a comma only groups thousands, as in 1,024"
        ),
        "empty": "expected an answer (or s to skip)",
        "not_quizzable": "{type} questions cannot be answered in a quiz",
    },
    "zh-TW": {
        "one_letter": "A 到 {last} 之間的一個字母",
        "letters": "A 到 {last} 之間的字母，例如 A,C",
        "no_letters": "請輸入 {what}",
        "not_a_choice": "「{ch}」不是選項之一；請輸入 {what}",
        "too_many": "「{text}」選了 {n} 個選項；這題只能選一個字母",
        "not_flag": "「{text}」不是對或錯；請輸入 t 或 f(對或錯)",
        "not_number": "「{text}」不是數字；請輸入例如 0.91、.91、91% 或 3/4",
        "comma": (
            "「{text}」有歧義：逗號是小數點還是千分位？"
            "小數請寫成 {dot}；逗號只用於千分位，例如 1,024"
        ),
        "empty": "請輸入答案(或輸入 s 跳過)",
        "not_quizzable": "{type} 題無法在測驗中作答",
    },
}


class AnswerError(ValueError):
    """A typed answer that cannot be read; the message says what was expected.

    ``str()`` is the English message; :meth:`message` gives it in the quiz's language.
    A value named ``what`` is itself a message key (the expected form of the answer)."""

    def __init__(self, key: str, **values: object) -> None:
        self.key = key
        self.values = values
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        if lang == "both":
            en, zh = self.message("en"), self.message("zh-TW")
            return en if en == zh else f"{en} / {zh}"
        table = MESSAGES.get(lang, MESSAGES["en"])
        values = dict(self.values)
        if "what" in values:
            values["what"] = table[str(values["what"])].format(**values)
        return table[self.key].format(**values)


@dataclass(frozen=True)
class Response:
    """A parsed answer: choice positions (display order), a boolean, a number or text."""

    raw: str
    picks: tuple[int, ...] = ()
    flag: bool | None = None
    number: float | None = None
    text: str | None = None

    def shown(self) -> str:
        """The answer as the history and the summary show it."""
        if self.picks:
            return ",".join(LETTERS[i] for i in self.picks)
        if self.flag is not None:
            return "true" if self.flag else "false"
        if self.number is not None:
            return f"{self.number:.10g}"
        return self.text or ""


@dataclass(frozen=True)
class Score:
    fraction: float  # 0..1 of the question's points

    @property
    def correct(self) -> bool:
        return self.fraction >= 1.0


def normalise(text: str) -> str:
    """Full-width forms folded (ＡＢ１２ → AB12), case folded, runs of spaces made one."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def parse_letters(text: str, count: int, *, single: bool) -> tuple[int, ...]:
    """'b' → (1,); 'a,c', 'a c', 'AC' → (0, 2) for multiple response."""
    letters = [ch for ch in normalise(text) if ch not in _LETTER_SEPARATORS]
    last = LETTERS[count - 1]
    what = "one_letter" if single else "letters"
    if not letters:
        raise AnswerError("no_letters", what=what, last=last)
    picks: list[int] = []
    for ch in letters:
        index = LETTERS.find(ch.upper()) if ch.isascii() and ch.isalpha() else -1
        if index < 0 or index >= count:
            raise AnswerError("not_a_choice", ch=ch, what=what, last=last)
        if index not in picks:
            picks.append(index)
    if single and len(picks) > 1:
        raise AnswerError("too_many", text=text.strip(), n=len(picks))
    return tuple(sorted(picks))


def parse_flag(text: str) -> bool:
    word = normalise(text).rstrip(".!。")
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise AnswerError("not_flag", text=text.strip())


def parse_number(text: str, *, unit: str | None = None) -> float:
    """Lenient: '0.91', '.91', '91%' (= 0.91 unless the unit is %), '1,024', '1e-3', '3/4'."""
    body = unicodedata.normalize("NFKC", text).strip().replace("−", "-").replace(" ", "")
    if unit and body.casefold().endswith(unit.replace(" ", "").casefold()) and unit != "%":
        body = body[: -len(unit.replace(" ", ""))]
    scale = 1.0
    if body.endswith("%"):
        body = body[:-1]
        scale = 1.0 if unit == "%" else 0.01
    if _THOUSANDS.fullmatch(body):
        body = body.replace(",", "")
    elif _DECIMAL_COMMA.fullmatch(body):
        # 0,971 or 1,5: most likely a decimal comma, but guessing would grade a number
        # the student may not have meant; ask for a decimal point instead.
        raise AnswerError("comma", text=text.strip(), dot=body.replace(",", "."))
    value: float | None = None
    if _NUMBER.fullmatch(body.casefold()):
        value = float(body)
    elif body.count("/") == 1:
        top, bottom = body.split("/")
        if _NUMBER.fullmatch(top) and _NUMBER.fullmatch(bottom) and float(bottom) != 0:
            value = float(top) / float(bottom)
    if value is None or not math.isfinite(value):
        raise AnswerError("not_number", text=text.strip() or "(nothing)")
    return value * scale


def parse(inst: Instance, text: str) -> Response:
    """Read ``text`` as an answer to ``inst``; :class:`AnswerError` if it cannot be read."""
    q = inst.question
    if isinstance(q, models.ChoiceQuestion):
        single = isinstance(q, models.McqQuestion)
        return Response(text, picks=parse_letters(text, len(inst.choices), single=single))
    if isinstance(q, models.TrueFalseQuestion):
        return Response(text, flag=parse_flag(text))
    if isinstance(q, models.NumericQuestion):
        return Response(text, number=parse_number(text, unit=q.unit))
    if isinstance(q, models.ShortQuestion):
        if not text.strip():
            raise AnswerError("empty")
        return Response(text, text=" ".join(text.split()))
    raise AnswerError("not_quizzable", type=q.type)


def within(
    given: float, answer: float, tolerance: models.AbsTolerance | models.RelTolerance | None
) -> bool:
    if isinstance(tolerance, models.AbsTolerance):
        allowed = tolerance.abs
    elif isinstance(tolerance, models.RelTolerance):
        allowed = tolerance.rel * abs(answer)
    else:
        allowed = 0.0
    # A hair of slack so that an exact decimal typed by hand matches its binary float.
    return abs(given - answer) <= allowed + 1e-9 * max(1.0, abs(answer))


def short_matches(question: models.ShortQuestion, text: str) -> bool:
    given = normalise(text)
    if any(given == normalise(answer) for answer in question.answers):
        return True
    plain = " ".join(unicodedata.normalize("NFKC", text).split())
    return any(re.fullmatch(p, plain, re.IGNORECASE) for p in question.patterns)


def score(inst: Instance, response: Response) -> Score:
    q = inst.question
    if isinstance(q, models.MultiQuestion):
        right = set(inst.correct_indexes)
        picked = set(response.picks)
        fraction = (len(picked & right) - len(picked - right)) / len(right)
        return Score(max(0.0, fraction))
    if isinstance(q, models.McqQuestion):
        return Score(1.0 if list(response.picks) == inst.correct_indexes else 0.0)
    if isinstance(q, models.TrueFalseQuestion):
        return Score(1.0 if response.flag == inst.answer else 0.0)
    if isinstance(q, models.NumericQuestion):
        ok = response.number is not None and within(response.number, inst.answer, q.tolerance)
        return Score(1.0 if ok else 0.0)
    if isinstance(q, models.ShortQuestion):
        return Score(1.0 if short_matches(q, response.text or "") else 0.0)
    return Score(0.0)


FLAG_WORDS: dict[str, tuple[str, str]] = {"en": ("true", "false"), "zh-TW": ("對", "錯")}


def flag_word(flag: bool, lang: str) -> str:
    """True or false in the quiz language: 'true', '對', 'true / 對'."""
    if lang == "both":
        return f"{flag_word(flag, 'en')} / {flag_word(flag, 'zh-TW')}"
    words = FLAG_WORDS.get(lang, FLAG_WORDS["en"])
    return words[0] if flag else words[1]


def correct_answer(inst: Instance, lang: str = "en") -> str:
    """The right answer as a student reads it: 'B', 'A,C', 'true' (對), '0.91 ± 0.005 s';
    a short answer's accepted answers, never the patterns (regexes) that also match."""
    q = inst.question
    if isinstance(q, models.TrueFalseQuestion):
        return flag_word(bool(inst.answer), lang)
    if isinstance(q, models.ShortQuestion) and q.answers:
        return " / ".join(q.answers)
    return answer_line(inst)


def shown(response: Response | None, lang: str = "en") -> str:
    """A given answer as the quiz shows it back ('' for a skip)."""
    if response is None:
        return ""
    if response.flag is not None:
        return flag_word(response.flag, lang)
    return response.shown()
