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

    monkeypatch.setattr(bankcache, "parse_text", refuse)


def test_second_load_comes_from_the_cache_and_is_equal(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_bank_cached(copy, folder=tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("bank-*.json"))) == 1
    assert not list((tmp_path / "cache").glob(".*"))  # no temporary file left behind
    _no_yaml(monkeypatch)
    second = load_bank_cached(copy, folder=tmp_path / "cache")
    assert second.questions == first.questions == load_bank(copy, check=False).questions
    assert [repr(q) for q in second.questions] == [repr(q) for q in first.questions]
    assert [e.file for e in second.entries] == [e.file for e in first.entries]


def test_a_cached_question_is_the_parsed_one_to_the_type_of_its_defaults(
    tmp_path: Path,
) -> None:
    """A case's default ``points: 1`` must not come back as 1.0: graders fingerprint a
    task by the repr of its cases, and grade-batch regraded everything when it changed."""
    from tests.conftest import FIXTURES

    toy = tmp_path / "toy"
    shutil.copytree(FIXTURES / "toy", toy)
    parsed = load_bank(toy / "bank", check=False)
    load_bank_cached(toy / "bank", folder=tmp_path / "cache")
    cached = load_bank_cached(toy / "bank", folder=tmp_path / "cache")
    assert [repr(q) for q in cached.questions] == [repr(q) for q in parsed.questions]
    assert "points=1," in repr(parsed.get("toy-affine").cases[0])


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
    for cache in (tmp_path / "cache").glob("*.json"):  # nothing cached from a bad file
        assert json.loads(cache.read_text())["files"] == {}


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


def _edit_keeping_stamp(path: Path, old: str, new: str) -> None:
    """Change a file's content but not its size or modification time."""
    info = path.stat()
    text = path.read_text(encoding="utf-8")
    assert len(old) == len(new) and old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def test_an_edited_file_is_checked_again_even_with_the_same_size_and_mtime(
    copy: Path, tmp_path: Path
) -> None:
    load_bank_cached(copy, check=True, folder=tmp_path / "cache")
    basics = copy / "basics.yaml"
    # Same length, same mtime: only the content hash can tell.
    _edit_keeping_stamp(basics, "answer: true", "answer: mayb")
    with pytest.raises(bank_module.InputError) as caught:
        load_bank_cached(copy, check=True, folder=tmp_path / "cache")
    assert "'answer' must be true or false, got 'mayb'" in str(caught.value)


def test_a_check_failure_in_a_changed_file_is_never_cached_as_passed(
    copy: Path, tmp_path: Path
) -> None:
    extra = copy / "extra.yaml"
    extra.write_text(
        "- {id: fx-dup, type: mcq, topic: ml, prompt: P, choices: [{text: A}, {text: B}]}\n"
    )
    for _ in range(2):  # the second run reads the cache and must still say so
        with pytest.raises(bank_module.InputError) as caught:
            load_bank_cached(copy, check=True, folder=tmp_path / "cache")
        assert "mcq 'fx-dup' has no choice marked correct: true" in str(caught.value)


def _count_checked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on, the number of questions of each file the checks look at."""
    from questionbank import checks

    checked: list[int] = []
    real = checks.check_entries

    def spy(entries, **kwargs):  # type: ignore[no-untyped-def]
        entries = list(entries)
        checked.append(len(entries))
        return real(entries, **kwargs)

    monkeypatch.setattr(checks, "check_entries", spy)
    return checked


def test_a_warm_check_checks_nothing_again(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    load_bank_cached(copy, check=True, folder=tmp_path / "cache")
    checked = _count_checked(monkeypatch)
    load_bank_cached(copy, check=True, folder=tmp_path / "cache")
    assert checked == []
    (copy / "more.yaml").write_text(
        "- id: fx-new\n  type: tf\n  topic: ml\n  prompt: New?\n  answer: true\n"
    )
    load_bank_cached(copy, check=True, folder=tmp_path / "cache")
    assert checked == [1]  # only the new file's one question


def test_a_changed_grader_checks_the_code_questions_again(copy: Path, tmp_path: Path) -> None:
    load_bank_cached(copy, check=True, folder=tmp_path / "cache")
    grader = next((copy.parent / "graders").glob("*.py"))
    grader.write_text("# every function removed\n")
    with pytest.raises(bank_module.InputError) as caught:
        load_bank_cached(copy, check=True, folder=tmp_path / "cache")
    assert "defines no function" in str(caught.value)


def test_a_cache_written_by_another_qbank_version_is_ignored(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_bank_cached(copy, check=True, folder=tmp_path / "cache")
    cache = next((tmp_path / "cache").glob("bank-*.json"))
    data = json.loads(cache.read_text())
    data["qbank"] = "0.0.1:another"
    cache.write_text(json.dumps(data))
    parsed: list[str] = []
    real = bankcache.parse_text

    def spy(text: str, name: str):  # type: ignore[no-untyped-def]
        parsed.append(name)
        return real(text, name)

    monkeypatch.setattr(bankcache, "parse_text", spy)
    load_bank_cached(copy, check=True, folder=tmp_path / "cache")
    assert len(parsed) == len(bank_module.bank_files([copy]))
    assert json.loads(cache.read_text())["qbank"] == bankcache.qbank_fingerprint()


def test_a_forged_checked_mark_for_other_content_is_not_trusted(copy: Path, tmp_path: Path) -> None:
    """The cache says a file passed, but the file on disk is not the one it passed as."""
    load_bank_cached(copy, check=True, folder=tmp_path / "cache")
    basics = copy / "basics.yaml"
    _edit_keeping_stamp(basics, "answer: true", "answer: mayb")
    cache = next((tmp_path / "cache").glob("bank-*.json"))
    before = json.loads(cache.read_text())
    with pytest.raises(bank_module.InputError):
        load_bank_cached(copy, check=True, folder=tmp_path / "cache")
    after = json.loads(cache.read_text())
    assert str(basics.resolve()) in before["files"]
    assert str(basics.resolve()) not in after["files"]  # a broken file is not cached


def test_concurrent_writers_leave_a_whole_cache(copy: Path, tmp_path: Path) -> None:
    import threading

    errors: list[BaseException] = []

    def run() -> None:
        try:
            for _ in range(3):
                load_bank_cached(copy, check=True, folder=tmp_path / "cache")
        except Exception as exc:  # noqa: BLE001 - any failure is reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    cache = next((tmp_path / "cache").glob("bank-*.json"))
    assert json.loads(cache.read_text())["format"] == bankcache.CACHE_FORMAT
    assert not list((tmp_path / "cache").glob(".*"))


def test_cache_folder_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QBANK_CACHE_DIR", str(tmp_path / "c1"))
    monkeypatch.setenv("QBANK_HOME", str(tmp_path / "home"))
    assert bankcache.cache_dir() == tmp_path / "c1"
    monkeypatch.delenv("QBANK_CACHE_DIR")
    assert bankcache.cache_dir() == tmp_path / "home" / "cache"
    monkeypatch.delenv("QBANK_HOME")
    assert "qbank" in str(bankcache.cache_dir())


def test_checks_in_worker_processes_find_the_same_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from questionbank import checks
    from tests.bankfiles import write_bank

    files = {
        f"f{i}.yaml": f"""
        - id: q{i}
          type: numeric
          topic: nn
          params: {{n: {{int: [{i}, 90]}}}}
          prompt: "{{{{ n }}}}"
          answer: "1 / (n - {i + 1})"
        - id: ok{i}
          type: tf
          topic: nn
          prompt: P
          answer: true
        """
        for i in range(3)
    }
    bank = load_bank(write_bank(tmp_path, files), check=False)
    groups = [
        [e for e in bank.entries if e.file == name]
        for name in sorted({e.file for e in bank.entries})
    ]
    serial = checks.check_files(groups, root=tmp_path, config=bank.config)
    monkeypatch.setattr(checks, "PARALLEL_FROM", 0)
    monkeypatch.setattr(checks.os, "cpu_count", lambda: 2)
    parallel = checks.check_files(groups, root=tmp_path, config=bank.config)
    assert parallel == serial
    assert [len(found) for found in serial] == [1, 1, 1]
    assert "ZeroDivisionError" in serial[0][0].message


def test_files_checked_again_after_a_grader_change_keep_their_new_mark(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A harmless change to a grader makes every file be checked again once, not on every
    later run (their marks must be written back although nothing was re-parsed)."""

    load_bank_cached(copy, check=True, folder=tmp_path / "cache")
    grader = next((copy.parent / "graders").glob("*.py"))
    grader.write_text(grader.read_text() + "\n# a comment\n")
    load_bank_cached(copy, check=True, folder=tmp_path / "cache")
    checked = _count_checked(monkeypatch)
    load_bank_cached(copy, check=True, folder=tmp_path / "cache")
    assert checked == []
