"""A per-user cache of loaded and checked bank files, so everyday commands answer at once.

For every bank file the cache keeps its validated questions (as JSON) and whether they
passed the per-question checks, keyed by the SHA-256 of the file's bytes. A whole cache
is tied to qbank's version and the source of the modules that decide what is valid; a
file's "checked" mark to the digest of what its checks read besides the file (the
bank's settings and every grader file the bank refers to). Anything else, or any doubt
(unreadable, truncated, edited by hand, written by another version) means that file is
parsed and checked again: a stale cache can cost time, never hide an error.

Writers replace the cache file atomically (write a private temporary file, then
rename), so concurrent runs each see a whole cache, old or new, never half of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from questionbank import models
from questionbank.bank import (
    _QUESTION,
    Bank,
    Entry,
    Where,
    _no_cyclic_gc,
    bank_files,
    bank_folder,
    no_files_error,
    parse_text,
)
from questionbank.bankconfig import config_path, load_config
from questionbank.errors import InputError, Location, Problem
from questionbank.paths import cache_dir, display, project_root
from questionbank.yamlsource import NodeLocator, read_text

CACHE_FORMAT = 3
# The modules whose code decides what a bank file means and whether it is valid.
_DECIDING = "models bank bankconfig checks params instance lint yamlsource diagnostics"


class _FileLocator(NodeLocator):
    """Marks for a cached question: the file is read and composed only if a problem
    must be located; the key guarantees it is the text the question came from."""

    def __init__(self, path: Path) -> None:
        super().__init__("")
        self._path = path

    @property
    def root(self) -> Any:
        if not self._composed:
            self._text = read_text(self._path, str(self._path))[0] or ""
        return NodeLocator.root.fget(self)  # type: ignore[attr-defined]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def qbank_fingerprint() -> str:
    """qbank's version plus the source of the deciding modules (a development checkout
    changes its code without changing its version)."""
    import questionbank

    package = Path(questionbank.__file__).parent
    digest = hashlib.sha256(questionbank.__version__.encode())
    for name in _DECIDING.split():
        with contextlib.suppress(OSError):
            digest.update((package / f"{name}.py").read_bytes())
    return f"{questionbank.__version__}:{digest.hexdigest()[:24]}"


def _context_digest(folder: Path, entries: Sequence[Entry]) -> str:
    """What the per-question checks read besides the question: settings and graders."""
    digest = hashlib.sha256()
    with contextlib.suppress(OSError):
        digest.update(config_path(folder).read_bytes())
    root = project_root(folder)
    refs: set[str] = set()
    for entry in entries:
        q = entry.question
        if isinstance(q, models.CodeQuestion):
            refs.update(
                r.partition(":")[0] for r in (q.reference, *(c.generate for c in q.cases)) if r
            )
    for ref in sorted(refs):
        digest.update(ref.encode() + b"\0")
        try:
            digest.update(_sha((root / ref).read_bytes()).encode())
        except OSError:
            digest.update(b"missing")
    return digest.hexdigest()


@dataclass
class _File:
    """One bank file as this run knows it."""

    path: Path
    sha: str
    entries: list[Entry]
    checked: str | None  # the context digest its questions passed the checks under


def _cache_file(folder: Path, root: Path) -> Path:
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:20]
    return folder / f"bank-{digest}.json"


def load_bank_cached(
    root: Path,
    paths: Sequence[Path] | None = None,
    *,
    check: bool = False,
    folder: Path | None = None,
) -> Bank:
    """The bank at ``root``, parsed only where a file changed since it was cached.

    With ``check``, the bank-wide rules hold as in ``load_bank(root)``: questions not
    checked since their file (or the graders, or the settings) last changed are checked
    now, and unique ids always. Problems raise :class:`InputError`; ``paths`` keeps only
    those located in (or, for a duplicate id, involving) the files named.
    ``folder`` overrides the cache folder (tests)."""
    files = bank_files([root])
    if not files:
        raise no_files_error(root)
    if paths:  # a named file outside the bank's own listing is checked along with it
        listed = {f.resolve() for f in files}
        files += [f for f in bank_files(list(paths)) if f.resolve() not in listed]
    home = bank_folder(root)
    where = _cache_file(folder or cache_dir(), root)
    fingerprint = qbank_fingerprint()
    with _no_cyclic_gc():  # see bank._no_cyclic_gc: the cache is one large JSON value
        cached = _read(where, fingerprint)
        known, problems, changed = _load_files(files, cached)
    config, config_problems = load_config(home)
    problems.extend(config_problems)
    bank = Bank(root=home, entries=[e for f in known for e in f.entries], config=config)
    if check:
        marks = [f.checked for f in known]
        problems.extend(_check(bank, known, home))
        # A file checked again (new graders, say) has a new mark to keep, even if it passed.
        changed = changed or [f.checked for f in known] != marks
    if changed or len(cached) != len(known):
        _write(where, fingerprint, known)
    if paths:
        problems = _about(problems, bank, [display(p.resolve()) for p in bank_files(list(paths))])
    if problems:
        raise InputError(problems)
    return bank


def _load_files(
    files: list[Path], cached: dict[str, dict[str, Any]]
) -> tuple[list[_File], list[Problem], bool]:
    """Each file from the cache when its content hash matches, else parsed again."""
    known: list[_File] = []
    problems: list[Problem] = []
    changed = False
    cwd = Path.cwd().resolve()
    for path in files:
        path = path.resolve()
        name = str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(Location(name), f"cannot read file: {exc.strerror}"))
            continue
        sha = _sha(raw)
        hit = cached.get(str(path))
        if hit is not None and hit.get("sha") == sha:
            entries = _entries_of(hit, path, name)
            if entries is not None:
                checked = hit.get("checked")
                known.append(
                    _File(path, sha, entries, checked if isinstance(checked, str) else None)
                )
                continue
        changed = True
        text, read_problems = read_text(path, name)
        problems.extend(read_problems)
        if text is None:
            continue
        entries, file_problems = parse_text(text, name)
        problems.extend(file_problems)
        if not file_problems:
            known.append(_File(path, sha, entries, None))
    return known, problems, changed


def _check(bank: Bank, known: list[_File], home: Path) -> list[Problem]:
    context = _context_digest(home, bank.entries)
    stale = [f for f in known if f.checked != context]
    if not stale and len({e.question.id for e in bank.entries}) == len(bank.entries):
        return []  # nothing to check: spare the import of the checks (and of jinja2)
    from questionbank.checks import check_files, duplicate_id_problems

    problems = list(duplicate_id_problems(bank.entries))
    results = check_files([f.entries for f in stale], root=bank.project_root, config=bank.config)
    for file, found in zip(stale, results, strict=True):
        problems.extend(found)
        file.checked = None if found else context
    return problems


def _about(problems: list[Problem], bank: Bank, names: list[str]) -> list[Problem]:
    """The problems of the named files, including an id they share with another file."""
    wanted = set(names)
    kept = [
        p
        for p in problems
        if p.location.file in wanted and not p.message.startswith("duplicate id")
    ]
    owners: dict[str, list[Entry]] = {}
    for entry in bank.entries:
        owners.setdefault(entry.question.id, []).append(entry)
    for same in owners.values():
        for entry in same if len(same) > 1 else []:
            if entry.file in wanted:
                other = next(e for e in same if e is not entry)
                kept.append(
                    Problem(
                        entry.location("id"),
                        f"duplicate id '{entry.question.id}': also used at {other.location('id')}",
                    )
                )
    return kept


def _entries_of(item: dict[str, Any], path: Path, name: str) -> list[Entry] | None:
    locator = _FileLocator(path)
    try:
        return [
            Entry(
                _QUESTION.validate_python(e["question"]), Where(name, locator, tuple(e["prefix"]))
            )
            for e in item["entries"]
        ]
    except (ValidationError, KeyError, TypeError):
        return None


def _dumped(question: models.AnyQuestion) -> dict[str, Any]:
    """The question as written, less what the models filled in: a default such as a
    case's ``points: 1`` stays the int 1 it is when read from YAML (dumped and validated
    again it would become 1.0, and a grader's fingerprint of the task would change)."""
    return question.model_dump(mode="json", by_alias=True, exclude_unset=True)


def _read(where: Path, fingerprint: str) -> dict[str, dict[str, Any]]:
    """The cached files by absolute path; empty when the cache is missing or not ours."""
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if (
        not isinstance(data, dict)
        or data.get("format") != CACHE_FORMAT
        or data.get("qbank") != fingerprint
        or not isinstance(data.get("files"), dict)
    ):
        return {}
    return {k: v for k, v in data["files"].items() if isinstance(v, dict)}


def _write(where: Path, fingerprint: str, files: list[_File]) -> None:
    data = {
        "format": CACHE_FORMAT,
        "qbank": fingerprint,
        "files": {
            str(f.path): {
                "sha": f.sha,
                "checked": f.checked,
                "entries": [
                    {
                        "prefix": list(e.where.prefix),
                        "question": _dumped(e.question),
                    }
                    for e in f.entries
                ],
            }
            for f in files
        },
    }
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=where.parent, prefix=f".{where.name}.")
    except OSError:
        return  # a cache that cannot be written only makes the next run slower
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(json.dumps(data, ensure_ascii=False))  # dumps: the C encoder
        Path(temporary).replace(where)  # readers see the old cache or the new, never half
    except OSError:
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
