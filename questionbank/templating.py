"""Render stage helper: one sandboxed jinja2 template rendered, its failures as QbankErrors.

Templates are untrusted (users copy and edit them, see --templates): whatever goes wrong
in one is reported with the template's name, and line where jinja2 knows it.
"""

from __future__ import annotations

from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from questionbank.errors import QbankError


def sandbox(loader: jinja2.BaseLoader, **options: Any) -> SandboxedEnvironment:
    """The environment every template runs in: sandboxed, and loud about undefined names."""
    return SandboxedEnvironment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        **options,
    )


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
