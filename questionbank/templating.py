"""Render stage helper: one sandboxed jinja2 template rendered, its failures as QbankErrors.

Templates are untrusted (users copy and edit them, see --templates): whatever goes wrong
in one is reported with the template's name, and line where jinja2 knows it.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
from jinja2.sandbox import SandboxedEnvironment

from questionbank.errors import QbankError


def sandbox(loader: jinja2.BaseLoader, **options: Any) -> SandboxedEnvironment:
    """The environment every template runs in: sandboxed, and loud about undefined names.
    Compiled templates are kept in the user's cache folder (jinja2 keys them by the
    template's name and a checksum of its source): compiling the paper's templates was a
    sixth of `qbank paper`."""
    from questionbank.paths import cache_dir

    return SandboxedEnvironment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_BytecodeCache(cache_dir() / "jinja"),
        **options,
    )


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """jinja2's cache of compiled templates, for which a folder that cannot be read or
    written only costs time."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.folder = folder

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            super().dump_bytecode(bucket)


def render_template(env: jinja2.Environment, name: str, view: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(**view)
    except jinja2.TemplateSyntaxError as exc:
        raise QbankError(
            f"{exc.filename or name}:{exc.lineno}: template error: {exc.message}"
        ) from None
    except jinja2.UndefinedError as exc:
        raise QbankError(f"template '{name}': {exc.message}") from None
    except jinja2.exceptions.SecurityError as exc:
        raise QbankError(f"template '{name}': refused by the sandbox: {exc}") from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise QbankError(f"template '{name}': {type(exc).__name__}: {exc}") from None
