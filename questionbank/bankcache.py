"""A per-user cache of validated banks, so a quiz shows its first question at once.

Reading the YAML is most of a quiz's start-up. After a successful load the questions
are kept as JSON, keyed by every bank file's size and modification time and by the
models' own source file; any change there, or any doubt, means a normal load. The
cached JSON goes through the same pydantic models again, so a damaged or edited cache
can never yield a question the bank's format does not allow.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from questionbank import models
from questionbank.bank import _QUESTION, Bank, Entry, Where, bank_files, load_bank
from questionbank.paths import display
from questionbank.yamlsource import NodeLocator, read_text

CACHE_FORMAT = 2


class _FileLocator(NodeLocator):
    """Marks for a cached question: the file is read and composed only if a problem
    (say, a grading author error) must be located; the key guarantees it is unchanged."""

    def __init__(self, path: Path) -> None:
        super().__init__("")
        self._path = path

    @property
    def root(self) -> Any:
        if not self._composed:
            self._text = read_text(self._path, str(self._path))[0] or ""
        return NodeLocator.root.fget(self)  # type: ignore[attr-defined]


def cache_dir() -> Path:
    override = os.environ.get("QBANK_HOME")
    if override:
        return Path(override) / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir("qbank", appauthor=False))


def _stamp(path: Path) -> list[Any]:
    info = path.stat()
    return [str(path.resolve()), info.st_size, info.st_mtime_ns]


def _key(root: Path, files: list[Path]) -> dict[str, Any]:
    return {
        "format": CACHE_FORMAT,
        "models": _stamp(Path(models.__file__)),
        "files": [_stamp(f) for f in files],
    }


def _cache_file(root: Path) -> Path:
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:20]
    return cache_dir() / f"bank-{digest}.json"


def load_bank_cached(root: Path, *, folder: Path | None = None) -> Bank:
    """The bank at ``root`` without the bank-wide checks (``qbank validate`` runs those),
    from the cache when every file is unchanged. ``folder`` overrides the cache folder."""
    files = bank_files([root])
    if not files:
        return load_bank(root, check=False)  # raises the usual 'no .yaml files' error
    key = _key(root, files)
    where = (folder / _cache_file(root).name) if folder else _cache_file(root)
    cached = _read(where, key, root)
    if cached is not None:
        return cached
    bank = load_bank(root, check=False)
    _write(where, key, bank)
    return bank


def _read(where: Path, key: dict[str, Any], root: Path) -> Bank | None:
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key:
        return None
    locators: dict[str, _FileLocator] = {}
    try:
        entries = []
        for item in data["entries"]:
            path = item["path"]
            locator = locators.setdefault(path, _FileLocator(Path(path)))
            place = Where(display(Path(path)), locator, tuple(item["prefix"]))
            entries.append(Entry(_QUESTION.validate_python(item["question"]), place))
    except (ValidationError, KeyError, TypeError):
        return None
    return Bank(root=root if root.is_dir() else root.parent, entries=entries)


def _write(where: Path, key: dict[str, Any], bank: Bank) -> None:
    data = {
        "key": key,
        "entries": [
            {
                # Absolute, so that the display path is right from any working folder.
                "path": str(Path(e.file).resolve()),
                "prefix": list(e.where.prefix),
                "question": e.question.model_dump(mode="json", by_alias=True),
            }
            for e in bank.entries
        ],
    }
    temporary = where.with_name(f"{where.name}.{os.getpid()}.tmp")
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        temporary.replace(where)  # readers see the old cache or the new, never half
    except OSError:
        # A cache that cannot be written only makes the next start slower.
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
