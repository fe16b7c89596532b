"""`qbank validate`: a file is checked in the context of its bank, the summary names
what was checked, and warnings never change the exit code."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from questionbank.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


TF = "- {{id: {id}, type: tf, topic: ml, prompt: {{en: P, zh-TW: 甲}}, answer: true}}\n"


@pytest.fixture
def bank(in_tmp: Path) -> Path:
    folder = in_tmp / "bank"
    write(folder, "a.yaml", TF.format(id="q1") + TF.format(id="q2"))
    write(folder, "b.yaml", TF.format(id="q3"))
    return folder


def test_one_question_is_singular(bank: Path) -> None:
    code, out, _ = run("--bank", "bank", "validate", "bank/b.yaml")
    assert code == 0
    assert out == (
        "1 question valid in bank/b.yaml (checked with the bank bank/, 3 questions): "
        "1 tf; topics: ml 1\n"
    )


def test_a_file_whose_id_another_bank_file_uses_fails(bank: Path) -> None:
    write(bank, "b.yaml", TF.format(id="q1"))
    code, out, err = run("--bank", "bank", "validate", "bank/b.yaml")
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "bank/b.yaml:1:8: duplicate id 'q1': also used at bank/a.yaml:1:8",
        "1 problem in 1 file",
    ]


def test_a_file_is_checked_with_its_own_bank_not_the_default_one(bank: Path) -> None:
    other = bank.parent / "other"
    write(other, "_bank.yaml", "languages: [en]\n")
    write(other, "x.yaml", TF.format(id="q1"))
    write(other, "y.yaml", TF.format(id="q9"))
    code, _, err = run("--bank", "bank", "validate", "other/y.yaml")
    assert code == 1
    # q1 is also in bank/a.yaml, but that is another bank; other/ declares only en.
    assert err.splitlines() == [
        "other/y.yaml:1:49: tf 'q9': prompt has language 'zh-TW'; this bank's languages "
        "are en (declared in _bank.yaml)",
        "1 problem in 1 file",
    ]


def test_the_whole_bank_summary_names_it(bank: Path) -> None:
    code, out, _ = run("--bank", "bank", "validate")
    assert (code, out) == (0, "3 questions valid in bank/: 3 tf; topics: ml 3\n")


def test_a_folder_without_yaml_is_named(bank: Path) -> None:
    (bank.parent / "empty").mkdir()
    code, out, err = run("--bank", "bank", "validate", "empty")
    assert (code, out) == (1, "")
    assert err == "empty: no .yaml files found (expected a folder of bank files)\n"


def test_a_translation_that_repeats_the_english_is_a_warning(bank: Path) -> None:
    write(
        bank,
        "c.yaml",
        """
        - id: wolf
          type: mcq
          topic: metrics
          prompt: {en: Which?, zh-TW: 哪一個？}
          choices:
            - text: {en: False Positive (FP), zh-TW: 偽陽性 False Positive (FP)}
              correct: true
            - text: {en: True Negative (TN), zh-TW: 真陰性}
        """,
    )
    code, out, err = run("--bank", "bank", "validate")
    assert code == 0
    assert out.startswith("4 questions valid in bank/")
    assert err.splitlines() == [
        "bank/c.yaml:6:46: warning: mcq 'wolf': choices[0].text: the zh-TW text "
        "'偽陽性 False Positive (FP)' already contains the en text 'False Positive (FP)', so a "
        "bilingual paper prints it twice (keep the English out of zh-TW, or write one plain "
        "string for both)"
    ]


LANGUAGE_CASES = [
    (
        "missing-zh-TW",
        "- {id: q1, type: tf, topic: ml, prompt: {en: P}, answer: true}\n",
        [
            "bank/a.yaml:1:41: tf 'q1': prompt lacks zh-TW (this bank's languages are zh-TW, "
            "en, declared in _bank.yaml; a plain string is used for every language)"
        ],
    ),
    (
        "eng-typed-for-en",
        "- {id: q1, type: tf, topic: ml, prompt: {eng: P, zh-TW: 甲}, answer: true}\n",
        [
            "bank/a.yaml:1:41: tf 'q1': prompt lacks en (this bank's languages are zh-TW, en, "
            "declared in _bank.yaml; a plain string is used for every language)",
            "bank/a.yaml:1:42: tf 'q1': prompt has language 'eng' (did you mean 'en'?); this "
            "bank's languages are zh-TW, en (declared in _bank.yaml)",
        ],
    ),
    (
        "choice-feedback-missing-en",
        """
        - id: q1
          type: mcq
          topic: ml
          prompt: {en: P, zh-TW: 甲}
          choices:
            - {text: Adam, correct: true, feedback: {zh-TW: 對}}
            - {text: SGD}
        """,
        [
            "bank/a.yaml:6:45: mcq 'q1': choices[0].feedback lacks en (this bank's languages "
            "are zh-TW, en, declared in _bank.yaml; a plain string is used for every language)"
        ],
    ),
    (
        "plain-string-is-language-neutral",
        "- {id: q1, type: tf, topic: ml, prompt: Adam, answer: true}\n",
        [],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in LANGUAGE_CASES], ids=[c[0] for c in LANGUAGE_CASES]
)
def test_declared_languages_are_required(in_tmp: Path, text: str, expected: list[str]) -> None:
    folder = in_tmp / "bank"
    write(folder, "_bank.yaml", "languages: [zh-TW, en]\n")
    write(folder, "a.yaml", text)
    code, _, err = run("--bank", "bank", "validate")
    assert code == (1 if expected else 0)
    assert err.splitlines()[:-1] == expected


def test_without_a_declaration_any_tag_is_accepted(in_tmp: Path) -> None:
    write(in_tmp / "bank", "a.yaml", LANGUAGE_CASES[1][1])
    assert run("--bank", "bank", "validate")[0] == 0


def test_a_bad_settings_file_is_reported_at_its_line(in_tmp: Path) -> None:
    write(in_tmp / "bank", "_bank.yaml", "languages: [zh-TW, en]\nlanguage: [en]\n")
    write(in_tmp / "bank", "a.yaml", TF.format(id="q1"))
    code, _, err = run("--bank", "bank", "validate")
    assert code == 1
    assert err.splitlines()[0] == (
        "bank/_bank.yaml:2:1: bank settings: unknown key 'language' (did you mean 'languages'?)"
    )


def test_the_course_bank_declares_its_two_languages() -> None:
    from questionbank.bankconfig import load_config

    root = Path(__file__).parent.parent / "bank"
    assert load_config(root)[0].languages == ["zh-TW", "en"]
