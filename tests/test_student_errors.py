"""Bad input a student may give the practice commands: each gets its exact message and
exit code, never a traceback (issue 11)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from tests.practice_helpers import run_cli

TOPICS = "activation, frameworks, metrics, ml, numpy"
READ_ONLY = Path("/sys/qbank-home")  # sysfs refuses new folders, even to root


def _read_only_home_available() -> bool:
    try:
        READ_ONLY.mkdir()
    except OSError as exc:
        return exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
    READ_ONLY.rmdir()
    return False


CASES = [
    (
        "list-unknown-topic",
        ["list", "--topic", "nosuch"],
        1,
        f"--topic 'nosuch': no question has this topic; topics in the bank: {TOPICS}\n",
    ),
    (
        "list-topic-typo",
        ["list", "--topic", "activaton"],
        1,
        "--topic 'activaton': no question has this topic (did you mean 'activation'?); "
        f"topics in the bank: {TOPICS}\n",
    ),
    (
        "list-type-typo",
        ["list", "--type", "mqc"],
        1,
        "--type 'mqc': no such question type (did you mean 'mcq'?); "
        "types: mcq, multi, tf, numeric, short, code\n",
    ),
    (
        "show-unknown-id",
        ["show", "fx-short-softmx"],
        1,
        "did you mean 'fx-short-softmax'",  # part of the bank's own message
    ),
    (
        "quiz-zero-questions",
        ["quiz", "-n", "0"],
        2,
        "Invalid value for '-n': 0 is not in the range x>=1.",
    ),
]


@pytest.mark.parametrize(
    ("args", "code", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    result = run_cli(args, home=tmp_path)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    if message.endswith("\n"):  # the whole message
        assert result.stderr == message
    else:
        assert message in result.stderr


def test_show_lang_is_spelled_as_everywhere_else(tmp_path: Path) -> None:
    both = run_cli(["show", "fx-short-softmax", "--lang", "both"], home=tmp_path)
    assert both.exit_code == 0 and "[en]" in both.stdout and "[zh-TW]" in both.stdout
    old = run_cli(["show", "fx-short-softmax", "--lang", "all"], home=tmp_path)
    assert old.exit_code == 2
    assert "'all' is not one of 'en', 'zh-TW', 'both'" in old.stderr


@pytest.mark.parametrize(
    "command", [["quiz", "-n", "1"], ["review"], ["stats"]], ids=["quiz", "review", "stats"]
)
def test_read_only_home_says_so_and_how_to_choose_another(command: list[str]) -> None:
    if not _read_only_home_available():
        pytest.skip("no read-only folder here (/sys accepts new folders)")
    result = run_cli(command, home=READ_ONLY, input="s\n")
    assert result.exit_code == 1
    assert result.stderr == (
        f"the history folder {READ_ONLY} is read-only (Operation not permitted): qbank keeps "
        "your answers there; choose another folder with QBANK_HOME, e.g. "
        "QBANK_HOME=~/qbank-data qbank quiz\n"
    )


def test_read_only_existing_home_folder() -> None:
    home = READ_ONLY.parent
    if not _read_only_home_available():
        pytest.skip("no read-only folder here (/sys accepts new files)")
    result = run_cli(["stats"], home=home)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"the history folder {home} is read-only (")
    assert "choose another folder with QBANK_HOME" in result.stderr


def test_home_that_is_a_file(tmp_path: Path) -> None:
    home = tmp_path / "file"
    home.write_text("not a folder")
    result = run_cli(["stats"], home=home / "sub")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"cannot create the history folder {home / 'sub'}: ")
    assert "choose another folder with QBANK_HOME" in result.stderr


@pytest.mark.parametrize("command", ["quiz", "review", "stats", "list", "show", "practice"])
def test_every_help_has_an_example(command: str, tmp_path: Path) -> None:
    result = run_cli([command, "--help"], home=tmp_path)
    assert result.exit_code == 0
    assert "Examples:\n" in result.stdout
    examples = result.stdout.split("Examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert examples and all(line.strip().startswith(f"qbank {command}") for line in examples)
