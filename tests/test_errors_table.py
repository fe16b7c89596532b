"""Bad bank files, each with the exact message and file:line:col it must produce."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bankfiles import problems_of

MCQ_HEAD = """
- id: q1
  type: mcq
  topic: ml
  prompt: {en: Pick one, zh-TW: 選一個}
"""

CASES: list[tuple[str, str | bytes, list[str]]] = [
    (
        "typo-in-key-suggests-fix",
        """
        - id: q1
          type: tf
          topic: ml
          prompt: P
          anwser: true
        """,
        [
            "bank/a.yaml:5:3: tf 'q1': unknown key 'anwser' (did you mean 'answer'?)",
            "bank/a.yaml:1:3: tf 'q1': missing required key 'answer'",
        ],
    ),
    (
        "mcq-without-correct",
        MCQ_HEAD + "  choices: [{text: A}, {text: B}]\n",
        ["bank/a.yaml:5:12: mcq 'q1' has no choice marked correct: true"],
    ),
    (
        "mcq-two-correct",
        MCQ_HEAD + "  choices: [{text: A, correct: true}, {text: B, correct: true}]\n",
        [
            "bank/a.yaml:5:12: mcq 'q1' has 2 choices marked correct: true "
            "(expected exactly one; use type: multi for several)"
        ],
    ),
    (
        "choice-typo",
        MCQ_HEAD + "  choices:\n    - {text: A, corect: true}\n    - {text: B}\n",
        [
            "bank/a.yaml:6:17: mcq 'q1': unknown key 'corect' in 'choices[0]' (did you mean 'correct'?)"
        ],
    ),
    (
        "duplicate-choice-text",
        MCQ_HEAD + "  choices:\n    - {text: A, correct: true}\n    - {text: ' a '}\n",
        [
            "bank/a.yaml:7:7: mcq 'q1': choices 1 and 2 have the same text ' a ' "
            "(expected distinct choices)"
        ],
    ),
    (
        "unknown-type",
        "- {id: q1, type: mqc, topic: ml, prompt: P}\n",
        [
            "bank/a.yaml:1:18: mqc 'q1': unknown question type 'mqc' (did you mean 'mcq'?); "
            "expected one of: mcq, multi, tf, numeric, short, code"
        ],
    ),
    (
        "bad-id-and-range",
        "- {id: Bad Id, type: tf, topic: ml, prompt: P, answer: true, difficulty: 9}\n",
        [
            "bank/a.yaml:1:8: tf 'Bad Id': 'id' must match ^[a-z0-9][a-z0-9_.-]*$, got 'Bad Id'",
            "bank/a.yaml:1:74: tf 'Bad Id': 'difficulty' must be less than or equal to 5, got 9",
        ],
    ),
    (
        "prompt-wrong-type",
        "- {id: q1, type: tf, topic: ml, prompt: 5, answer: true}\n",
        ["bank/a.yaml:1:41: tf 'q1': 'prompt' must be a mapping or a string, got 5"],
    ),
    (
        "comma-in-flow-mapping",
        "- {id: q1, type: tf, topic: ml, answer: true, prompt: {en: a, b}}\n",
        [
            "bank/a.yaml:1:63: tf 'q1': 'prompt' has key 'b', which is not a language tag "
            "(expected a tag such as en or zh-TW; in a flow mapping {…} quote text that has a comma)"
        ],
    ),
    (
        "duplicate-ids-name-both-places",
        "- {id: q1, type: tf, topic: ml, prompt: P, answer: true}\n"
        "- {id: q1, type: tf, topic: ml, prompt: Q, answer: false}\n",
        ["bank/a.yaml:2:8: duplicate id 'q1': already used at bank/a.yaml:1:8"],
    ),
    (
        "duplicate-key",
        "- id: q1\n  type: tf\n  topic: ml\n  prompt: P\n  answer: true\n  answer: false\n",
        [
            "bank/a.yaml:6:3: duplicate key 'answer' (first written at line 5); each key may appear once in a mapping"
        ],
    ),
    (
        "division-by-zero-for-some-params",
        """
        - id: q1
          type: numeric
          topic: metrics
          params: {tp: {int: [0, 2]}, fn: {int: [0, 2]}}
          prompt: "TP={{ tp }} FN={{ fn }}"
          answer: "tp / (tp + fn)"
        """,
        [
            "bank/a.yaml:6:11: numeric 'q1': undefined for params {'tp': 0, 'fn': 0}: "
            "ZeroDivisionError: division by zero"
        ],
    ),
    (
        "template-uses-unknown-param",
        """
        - id: q1
          type: numeric
          topic: metrics
          params: {n: {int: [1, 3]}}
          prompt: "n={{ m }}"
          answer: "n * 2"
        """,
        [
            "bank/a.yaml:5:11: numeric 'q1': prompt: cannot render for params {'n': 1}: "
            "'m' is undefined (expected one of the params)"
        ],
    ),
    (
        "broken-zh-text-named-at-its-own-line",
        """
        - id: q1
          type: mcq
          topic: metrics
          params: {n: {int: [1, 3]}}
          prompt:
            en: "n={{ n }}"
            zh-TW: "n={{ n }"
          choices:
            - text: "{{ n }}"
              correct: true
            - text: {en: "{{ n + 1 }}", zh-TW: "{{ m }}"}
        """,
        [
            "bank/a.yaml:7:12: mcq 'q1': prompt.zh-TW: cannot render for params {'n': 1}: "
            "template syntax error: unexpected '}'",
            "bank/a.yaml:11:40: mcq 'q1': choices[1].text.zh-TW: cannot render for params "
            "{'n': 1}: 'm' is undefined (expected one of the params)",
        ],
    ),
    (
        "division-by-zero-at-a-range-endpoint-seeds-never-draw",
        # 63 x 4 x 5 combinations: too many to try all, so the corners are tried first.
        """
        - id: q1
          type: numeric
          topic: nn
          params: {n_in: {int: [2, 64]}, n_out: {int: [1, 4]}, k: {choice: [1, 2, 3, 4, 5]}}
          prompt: "{{ n_in }} {{ n_out }} {{ k }}"
          answer: "k * n_out / (n_in - 2)"
        """,
        [
            "bank/a.yaml:6:11: numeric 'q1': undefined for params {'n_in': 2, 'n_out': 1, "
            "'k': 1}: ZeroDivisionError: division by zero"
        ],
    ),
    (
        "float-endpoint-corner-with-random-others",
        # 2 x 2 x 100 corners: more than the corner limit, so each endpoint is tried once.
        """
        - id: q1
          type: numeric
          topic: nn
          params:
            x: {float: [0.5, 3.0, 1]}
            y: {int: [1, 9]}
            c: {choice: [CHOICES]}
          prompt: "{{ x }}"
          answer: "1 / (x - 0.5) + y + c"
        """.replace("CHOICES", ", ".join(str(i) for i in range(100))),
        [
            "bank/a.yaml:9:11: numeric 'q1': undefined for params {'x': 0.5, 'y': 1, 'c': 69}: "
            "ZeroDivisionError: float division by zero"
        ],
    ),
    (
        "param-kind-typo",
        """
        - id: q1
          type: numeric
          topic: metrics
          params: {n: {itn: [1, 3]}}
          prompt: "n={{ n }}"
          answer: "n"
        """,
        [
            "bank/a.yaml:4:15: numeric 'q1': 'params.n' expected a mapping with exactly one of "
            "the keys int, float, choice, got {'itn': [1, 3]}"
        ],
    ),
    (
        "python-tag-refused",
        "- !!python/object/apply:os.system [echo pwned]\n",
        [
            "bank/a.yaml:1:3: unsupported YAML tag '!!python/object/apply:os.system': bank files may "
            "use only plain maps, lists, strings, numbers, booleans and null (tags that build Python "
            "objects are refused)"
        ],
    ),
    (
        "not-utf8",
        "- id: q1\n  prompt: caf\xe9\n".encode("latin-1"),
        [
            "bank/a.yaml:2:14: file is not valid UTF-8: byte 0xe9 cannot be decoded "
            "(expected UTF-8 text; re-save the file as UTF-8)"
        ],
    ),
    (
        "yaml-syntax-error",
        "- id: q1\n  prompt: [unclosed\n",
        [
            "bank/a.yaml:3:1: YAML syntax error: a [ list ] that is not closed (expected ',' "
            "or ']'; quote an item that contains a comma, colon or bracket)"
        ],
    ),
    (
        "yaml-colon-in-unquoted-value",
        "- id: q1\n  prompt: What is x: y?\n",
        [
            "bank/a.yaml:2:20: YAML syntax error: a ': ' inside a value that is not quoted, so "
            'YAML reads it as a new key (quote the whole value: prompt: "What is x: y?")'
        ],
    ),
    (
        "yaml-tab-indent",
        "- id: q1\n\tprompt: P\n",
        [
            "bank/a.yaml:2:1: YAML syntax error: a tab character; YAML indents with spaces only "
            "(replace the tab with spaces, e.g. two per level)"
        ],
    ),
    (
        "yaml-key-indented-too-far",
        "- id: q1\n  prompt: P\n   type: tf\n",
        [
            "bank/a.yaml:3:8: YAML syntax error: this line is indented more than the keys above "
            "it (line it up with the other keys of the same question)"
        ],
    ),
    (
        "yaml-unclosed-quote",
        '- id: q1\n  prompt: "unclosed\n',
        [
            "bank/a.yaml:2:11: YAML syntax error: a quoted string that is never closed (add the "
            "closing quote)"
        ],
    ),
    (
        "yaml-continuation-not-indented",
        "- id: q1\n  prompt: P\n  continues here\n",
        [
            "bank/a.yaml:3:3: YAML syntax error: a line with no 'key: value' where a key was "
            "expected; text that continues the value above must be indented under it, or the "
            "value quoted"
        ],
    ),
    (
        "yaml-list-item-misaligned",
        "- id: q1\n  choices:\n    - text: a\n   - text: b\n",
        [
            "bank/a.yaml:4:4: YAML syntax error: this list item does not line up with the items "
            "above it (align every '- ')"
        ],
    ),
    (
        "file-level-key-typo",
        "topik: ml\nquestions: []\n",
        [
            "bank/a.yaml:1:1: unknown file-level key 'topik' (did you mean 'topic'?); expected one "
            "of: topic, week, tags, difficulty, points, exam_only, questions"
        ],
    ),
    (
        "short-without-answers",
        "- {id: q1, type: short, topic: ml, prompt: P}\n",
        ["bank/a.yaml:1:3: short 'q1' has neither 'answers' nor 'patterns'"],
    ),
    (
        "bad-regex",
        "- {id: q1, type: short, topic: ml, prompt: P, patterns: ['(']}\n",
        [
            "bank/a.yaml:1:57: short 'q1': 'patterns' pattern '(' is not a valid regular "
            "expression: missing ), unterminated subpattern at position 0, got ['(']"
        ],
    ),
    (
        "code-reference-missing",
        """
        - id: q1
          type: code
          topic: nn
          prompt: P
          function: f
          signature: f(x)
          starter: "def f(x): ..."
          reference: graders/nope.py:f
          cases: [{name: one, args: {x: 1}}]
        """,
        [
            "bank/a.yaml:8:14: code 'q1': reference 'graders/nope.py:f': cannot read graders/nope.py below <root> (expected a Python file)"
        ],
    ),
    (
        "numeric-tolerance-negative",
        "- {id: q1, type: numeric, topic: ml, prompt: P, answer: 1, tolerance: {abs: -1}}\n",
        [
            "bank/a.yaml:1:77: numeric 'q1': 'tolerance.abs' must be greater than or equal to 0, got -1"
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_bank_file_reports_exact_problem(
    in_tmp: Path, text: str | bytes, expected: list[str]
) -> None:
    got = [
        p.replace(str(in_tmp.resolve()), "<root>") for p in problems_of(in_tmp, {"a.yaml": text})
    ]
    assert sorted(got) == sorted(expected)


def test_all_problems_of_all_files_reported_together(in_tmp: Path) -> None:
    got = problems_of(
        in_tmp,
        {
            "a.yaml": "- {id: q1, type: tf, topic: ml, prompt: P}\n",
            "sub/b.yaml": "- {id: q2, type: tf, topic: ml, prompt: P, answer: maybe}\n",
        },
    )
    assert got == [
        "bank/a.yaml:1:3: tf 'q1': missing required key 'answer'",
        "bank/sub/b.yaml:1:52: tf 'q2': 'answer' must be true or false, got 'maybe'",
    ]
