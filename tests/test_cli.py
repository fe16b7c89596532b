"""The foundation commands, end to end through click: output formats and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from questionbank.cli import cli
from tests.conftest import FIXTURES

TINY = str(FIXTURES / "tiny_bank")
TINY_SHOWN = (
    str((FIXTURES / "tiny_bank").relative_to(Path.cwd()))
    if Path.cwd() in FIXTURES.parents
    else TINY
)
ROOT = Path(__file__).parent.parent


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_validate_prints_one_summary_line() -> None:
    code, out, _ = run("--bank", TINY, "validate")
    assert code == 0
    assert out == (
        f"8 questions valid in {TINY_SHOWN}/: 2 mcq, 2 numeric, 1 code, 1 multi, 1 short, 1 tf; "
        "topics: activation 2, ipo 1, metrics 1, ml 1, nn 2, regularization 1\n"
    )


def test_validate_reports_errors_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bank"
    bad.mkdir()
    (bad / "x.yaml").write_text("- {id: q1, type: tf, topic: ml, prompt: P, anwser: true}\n")
    code, out, err = run("--bank", str(bad), "validate")
    assert code == 1
    assert out == ""
    assert "x.yaml:1:44: tf 'q1': unknown key 'anwser' (did you mean 'answer'?)" in err
    assert "Traceback" not in err
    assert err.rstrip().endswith("2 problems in 1 file")


def test_usage_errors_exit_2() -> None:
    assert run("--bank", TINY, "list", "--format", "xml")[0] == 2
    assert run("--bank", TINY, "frobnicate")[0] == 2


def test_missing_bank_exits_1_with_message(tmp_path: Path) -> None:
    code, _, err = run("--bank", str(tmp_path / "nope"), "list")
    assert code == 1
    assert "no such bank folder" in err


def test_list_json_has_the_documented_fields() -> None:
    code, out, _ = run("--bank", TINY, "list", "--format", "json", "--type", "numeric")
    rows = json.loads(out)
    assert code == 0
    assert [r["id"] for r in rows] == ["sig-deriv", "acc-param"]
    acc = rows[1]
    assert {
        k: acc[k]
        for k in ("type", "topic", "week", "points", "difficulty", "languages", "parametric")
    } == {
        "type": "numeric",
        "topic": "metrics",
        "week": 4,
        "points": 1,
        "difficulty": 3,
        "languages": ["en", "zh-TW"],
        "parametric": True,
    }
    assert acc["tags"] == ["fixture"]


def test_list_filters_combine() -> None:
    _, out, _ = run(
        "--bank", TINY, "list", "--format", "json", "--topic", "activation", "--tag", "fixture"
    )
    assert sorted(r["id"] for r in json.loads(out)) == ["act-multi", "relu-linear"]


def test_list_table_aligns_cjk() -> None:
    code, out, _ = run("--bank", TINY, "list", "--topic", "ml")
    assert code == 0
    assert "ml-not-supervised" in out
    assert "1 question (" in out


def test_show_json_gives_texts_choices_and_answer() -> None:
    code, out, _ = run("--bank", TINY, "show", "ml-not-supervised", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["prompt"]["zh-TW"].startswith("下列何者不是")
    assert [c["correct"] for c in data["choices"]] == [False, False, False, True]
    assert data["choices"][3]["text"] == {
        "en": "K-平均演算法 (K-Means)",
        "zh-TW": "K-平均演算法 (K-Means)",
    }
    assert data["answer"] == ["D"]


def test_show_json_of_parametric_question_has_params_and_answer() -> None:
    _, out, _ = run(
        "--bank", TINY, "show", "acc-param", "--seed", "5", "--format", "json", "--lang", "en"
    )
    data = json.loads(out)
    p = data["params"]
    assert data["answer"] == pytest.approx((p["tp"] + p["tn"]) / sum(p.values()))
    assert list(data["prompt"]) == ["en"]


def test_show_text_renders_math_readably() -> None:
    code, out, _ = run("--bank", TINY, "show", "sig-deriv", "--lang", "en")
    assert code == 0
    assert "σ(x)(1 − σ(x))" in out
    assert "\\sigma" not in out
    assert "answer: 0.25 ± 0.001" in out


def test_show_unknown_id_suggests() -> None:
    code, _, err = run("--bank", TINY, "show", "sig-deriv2")
    assert code == 1
    assert "did you mean 'sig-deriv'" in err


def test_help_imports_no_heavy_modules() -> None:
    script = (
        "import sys\nfrom questionbank.cli import main\n"
        "sys.argv=['qbank','--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pydantic', 'numpy', 'rich', 'jinja2', 'yaml') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert "HEAVY []" in out.stdout


def test_every_command_help_has_an_example() -> None:
    from click.testing import CliRunner

    from questionbank.cli import cli

    missing = []
    for name in sorted(cli.commands):
        done = CliRunner().invoke(cli, [name, "--help"])
        if done.exit_code != 0 or "Examples:" not in done.output:
            missing.append(name)
    assert missing == []


def test_stats_speaks_zh_tw(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from questionbank.cli import cli

    env = {"NO_COLOR": "1", "COLUMNS": "120", "QBANK_HOME": str(tmp_path / "home")}
    done = CliRunner().invoke(cli, ["stats", "--lang", "zh-TW"], env=env)
    assert done.exit_code == 0, done.output
    assert "還沒有作答紀錄。從這裡開始：qbank quiz" in done.output
