"""`qbank practice TASK`: the starter file, never writing over a student's work."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from questionbank.cli import cli
from questionbank.paths import display
from tests.practice_helpers import FIXTURE_BANK

STARTER = "import numpy as np\n\n\ndef scale(x, k):\n    raise NotImplementedError\n"


def _practice(*args: str, env: dict[str, str] | None = None) -> object:
    return CliRunner().invoke(
        cli, ["--bank", str(FIXTURE_BANK), "practice", *args], env={"NO_COLOR": "1", **(env or {})}
    )


def test_writes_the_starter_and_says_what_next(tmp_path: Path) -> None:
    out = tmp_path / "mine.py"
    result = _practice("fx-code-scale", "--out", str(out), "--lang", "en")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert out.read_text() == STARTER
    text = result.output  # type: ignore[attr-defined]
    assert "Return x multiplied by k, elementwise." in text  # code spans rendered, not raw
    assert "public cases (2): small, generated; 1 hidden case when graded" in text
    assert f"qbank check fx-code-scale {out}" in text
    assert "HIDDEN-CASE-NAME" not in text


def test_default_file_name_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["--bank", str(FIXTURE_BANK), "practice", "fx-code-scale"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fx-code-scale.py").read_text() == STARTER


def test_never_writes_over_work_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "mine.py"
    out.write_text("def scale(x, k):\n    return x * k  # my work\n")
    again = _practice("fx-code-scale", "--out", str(out), "--lang", "en")
    # Running it again shows the statement again, and keeps the work.
    assert again.exit_code == 0, again.output  # type: ignore[attr-defined]
    text = " ".join(again.stdout.split())  # type: ignore[attr-defined]
    assert "Return x multiplied by k, elementwise." in text
    assert (
        f"{out} already exists: your work is kept (--force starts again from the starter)" in text
    )
    assert f"next: edit it, then run qbank check fx-code-scale {out}" in text
    assert "starter written" not in text
    assert "my work" in out.read_text()
    forced = _practice("fx-code-scale", "--out", str(out), "--force")
    assert forced.exit_code == 0  # type: ignore[attr-defined]
    assert out.read_text() == STARTER


def test_statement_in_chinese(tmp_path: Path) -> None:
    result = _practice("fx-code-scale", "--out", str(tmp_path / "x.py"), "--lang", "zh-TW")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    text = result.stdout  # type: ignore[attr-defined]
    assert "公開測資(2):small, generated；評分時另有 1 筆隱藏測資" in text
    assert "起始程式已寫入" in text and "下一步：編輯它，然後執行" in text
    assert "public cases" not in text and "next:" not in text


@pytest.mark.parametrize(
    ("task", "message"),
    [
        (
            "fx-code-scal",
            "no code task 'fx-code-scal' in {bank} (did you mean 'fx-code-scale'?); "
            "code tasks: fx-code-scale\n",
        ),
        (
            "fx-short-softmax",
            "'fx-short-softmax' is a short question, not a code task; "
            "practise it with qbank quiz\n",
        ),
    ],
    ids=["typo", "not-code"],
)
def test_bad_task(tmp_path: Path, task: str, message: str) -> None:
    result = _practice(task, "--out", str(tmp_path / "x.py"))
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert result.stderr == message.format(bank=display(FIXTURE_BANK))  # type: ignore[attr-defined]
    assert not (tmp_path / "x.py").exists()


def test_edit_opens_the_editor(tmp_path: Path) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(
        f"#!{sys.executable}\nimport sys\nopen(sys.argv[-1], 'a').write('# edited\\n')\n"
    )
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    out = tmp_path / "mine.py"
    env = {"EDITOR": str(editor), "VISUAL": ""}
    result = _practice("fx-code-scale", "--out", str(out), "--edit", env=env)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert out.read_text() == STARTER + "# edited\n"


def test_edit_without_an_editor_says_how(tmp_path: Path) -> None:
    out = tmp_path / "mine.py"
    env = {k: "" for k in ("EDITOR", "VISUAL") if k in os.environ} | {"EDITOR": "", "VISUAL": ""}
    result = _practice("fx-code-scale", "--out", str(out), "--edit", env=env)
    assert result.exit_code == 0  # type: ignore[attr-defined]
    assert result.stderr == (  # type: ignore[attr-defined]
        f"set $EDITOR (or $VISUAL) to open {out} from qbank practice --edit\n"
    )
    assert out.read_text() == STARTER
