"""Readers that qbank did not write, for the export tests: Moodle's multilang filter
(its matching rules, re-implemented from filter/multilang) and gift-pegjs through node."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

# filter/multilang/classes/text_filter.php: a block is two or more adjacent language
# spans, each ending at its first </span> (non-greedy); "old syntax" also takes <lang>.
_NEW_BLOCK = re.compile(
    r'(<span(\s+lang="[a-zA-Z0-9_-]+"|\s+class="multilang"){2}\s*>.*?</span>)'
    r'(\s*<span(\s+lang="[a-zA-Z0-9_-]+"|\s+class="multilang"){2}\s*>.*?</span>)+',
    re.I | re.S,
)
_OLD_BLOCK = re.compile(
    r'(<(?:lang|span) lang="[a-zA-Z0-9_-]*".*?>.*?</(?:lang|span)>)'
    r'(\s*<(?:lang|span) lang="[a-zA-Z0-9_-]*".*?>.*?</(?:lang|span)>)+',
    re.I | re.S,
)
_SPLIT = re.compile(
    r'<(?:lang|span)[^>]+lang="([a-zA-Z0-9_-]+)"[^>]*>(.*?)</(?:lang|span)>', re.I | re.S
)
# Moodle's language packs: zh_tw has no parent, and every chain ends in English.
_PARENTS = {"en": ""}


def moodle_multilang(text: str, current: str, *, old_syntax: bool = False) -> str:
    """What a student whose Moodle language is ``current`` sees of ``text``."""

    def pick(block: re.Match[str]) -> str:
        found = _SPLIT.findall(block.group(0))
        if not found:
            return block.group(0)
        texts: dict[str, str] = {}
        for lang, body in found:
            texts[lang.lower().replace("-", "_")] = body
        lang = current
        while lang:
            if lang in texts:
                return texts[lang]
            lang = _PARENTS.get(lang, "en")
        return next(iter(texts.values()))

    return (_OLD_BLOCK if old_syntax else _NEW_BLOCK).sub(pick, text)


# --- gift-pegjs -----------------------------------------------------------------

GIFT_PEGJS = "gift-pegjs@1.0.2"
_PARSE_JS = """
const {parse} = require('gift-pegjs');
let src = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { src += d; });
process.stdin.on('end', () => {
  try { process.stdout.write(JSON.stringify({ok: parse(src)})); }
  catch (e) { process.stdout.write(JSON.stringify({error: e.message, location: e.location})); }
});
"""


def gift_pegjs_dir() -> Path:
    """A folder with gift-pegjs installed (npm, cached in the temp dir); skip if impossible."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node/npm not installed: cannot parse GIFT with gift-pegjs")
    folder = Path(tempfile.gettempdir()) / "qbank-test-npm" / GIFT_PEGJS.replace("@", "-")
    if not (folder / "node_modules" / "gift-pegjs" / "package.json").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        try:
            done = subprocess.run(
                [
                    npm,
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--prefer-offline",
                    "--fetch-retries=1",
                    "--fetch-timeout=20000",
                    "--prefix",
                    str(folder),
                    GIFT_PEGJS,
                ],
                capture_output=True,
                text=True,
                timeout=90,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.skip(f"npm install {GIFT_PEGJS} timed out (no registry access?)")
        if done.returncode != 0:
            pytest.skip(f"npm install {GIFT_PEGJS} failed: {done.stderr.strip()[-300:]}")
    (folder / "parse.js").write_text(_PARSE_JS, encoding="utf-8")
    return folder


def parse_gift_pegjs(source: str, folder: Path) -> list[dict[str, Any]]:
    """The questions gift-pegjs reads from ``source``; fails the test on a syntax error."""
    done = subprocess.run(
        ["node", str(folder / "parse.js")],
        input=source,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=folder,
        timeout=120,
        check=True,
    )
    result = json.loads(done.stdout)
    if "error" in result:
        start = result["location"]["start"]
        line = source.splitlines()[start["line"] - 1]
        pytest.fail(
            f"gift-pegjs rejects line {start['line']} col {start['column']}: {result['error']}\n"
            f"{line[max(0, start['column'] - 60) : start['column'] + 20]}"
        )
    parsed: list[dict[str, Any]] = result["ok"]
    return parsed
