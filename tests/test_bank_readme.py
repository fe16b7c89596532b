"""bank/README.md's table is the output of `qbank list --format matrix`, not hand-written."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from questionbank.cli import cli

ROOT = Path(__file__).parent.parent


def test_bank_readme_table_is_current() -> None:
    result = CliRunner().invoke(cli, ["--bank", str(ROOT / "bank"), "list", "--format", "matrix"])
    assert result.exit_code == 0, result.stderr
    readme = (ROOT / "bank" / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- matrix: start -->\n", 1)[1].split("<!-- matrix: end -->", 1)[0]
    assert table == result.stdout, "regenerate with: qbank list --format matrix"
