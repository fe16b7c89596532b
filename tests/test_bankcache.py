"""The per-user bank cache: used when nothing changed, ignored on any doubt."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from questionbank import bank as bank_module
from questionbank import bankcache
from questionbank.bank import load_bank
from questionbank.bankcache import load_bank_cached
from tests.practice_helpers import FIXTURE_BANK


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "proj"
    shutil.copytree(FIXTURE_BANK.parent, target)
    return target / "bank"


def _no_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("the bank was parsed again although the cache was valid")

    monkeypatch.setattr(bankcache, "load_bank", refuse)


def test_second_load_comes_from_the_cache_and_is_equal(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_bank_cached(copy, folder=tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("bank-*.json"))) == 1
    _no_yaml(monkeypatch)
    second = load_bank_cached(copy, folder=tmp_path / "cache")
    assert second.questions == first.questions == load_bank(copy, check=False).questions
    assert [e.file for e in second.entries] == [e.file for e in first.entries]


def test_an_edited_file_is_read_again(copy: Path, tmp_path: Path) -> None:
    load_bank_cached(copy, folder=tmp_path / "cache")
    basics = copy / "basics.yaml"
    text = basics.read_text().replace("ReLU outputs 0", "ReLU gives 0")
    basics.write_text(text)
    os.utime(basics, ns=(basics.stat().st_atime_ns, basics.stat().st_mtime_ns + 10**9))
    again = load_bank_cached(copy, folder=tmp_path / "cache")
    assert "ReLU gives 0" in str(again.get("fx-tf-relu-negative").prompt)


def test_a_new_file_is_seen(copy: Path, tmp_path: Path) -> None:
    load_bank_cached(copy, folder=tmp_path / "cache")
    (copy / "more.yaml").write_text(
        "- id: fx-new\n  type: tf\n  topic: ml\n  prompt: New?\n  answer: true\n"
    )
    assert "fx-new" in {q.id for q in load_bank_cached(copy, folder=tmp_path / "cache")}


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: "not json{",
        lambda d: json.dumps([1, 2]),
        lambda d: json.dumps({**d, "entries": [{"file": "x", "question": {"id": "NO SPACES"}}]}),
        lambda d: json.dumps({**d, "entries": [42]}),
    ],
    ids=["not-json", "wrong-shape", "invalid-question", "wrong-entry"],
)
def test_a_damaged_cache_means_a_normal_load(copy: Path, tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    first = load_bank_cached(copy, folder=tmp_path / "cache")
    cache = next((tmp_path / "cache").glob("bank-*.json"))
    cache.write_text(damage(json.loads(cache.read_text())))
    assert load_bank_cached(copy, folder=tmp_path / "cache").questions == first.questions


def test_a_bad_bank_is_still_reported(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "bad.yaml").write_text(
        "- id: x\n  type: tf\n  topic: ml\n  prompt: p\n  anwser: true\n"
    )
    with pytest.raises(bank_module.InputError) as caught:
        load_bank_cached(bank, folder=tmp_path / "cache")
    assert "anwser" in str(caught.value)
    assert not list((tmp_path / "cache").glob("*.json"))  # nothing cached from a bad bank


def test_an_unwritable_cache_folder_only_costs_time(copy: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert len(load_bank_cached(copy, folder=blocker / "cache")) == len(load_bank(copy))


def test_cached_questions_still_locate_their_problems(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = load_bank(copy, check=False)
    load_bank_cached(copy, folder=tmp_path / "cache")
    _no_yaml(monkeypatch)
    monkeypatch.chdir(tmp_path)  # another working folder: paths still display right
    cached = load_bank_cached(copy, folder=tmp_path / "cache")
    for question_id, path in [
        ("fx-code-scale", ("cases", 2, "args")),
        ("fx-multi-supervised", ("choices", 1, "feedback")),
        ("fx-tf-relu-negative", ("answer",)),
    ]:
        want = fresh.entry(question_id).location(*path)
        got = cached.entry(question_id).location(*path)
        assert (got.line, got.column) == (want.line, want.column) and got.line > 0
        assert Path(got.file).resolve() == Path(want.file).resolve()
        assert got.file == str(Path(want.file).resolve().relative_to(tmp_path))
