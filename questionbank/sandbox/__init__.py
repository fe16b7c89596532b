"""Isolated execution of student code: pristine zygotes that fork one confined job per attempt
(namespaces, private root, uid drop, seccomp, cgroup, rlimits).

The trusted side uses SandboxServer (one per worker slot) to run a Job and gets back untrusted
outcomes, which questionbank.sandbox.codec.decode turns into plain data.

The names below are loaded on first use: the zygote imports this package too, and every module
it imports makes each forked job dearer (the trusted client's subprocess and threading
machinery, for one, adds an at-fork hook that runs in every job).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from questionbank.sandbox.client import (
        CaseOutcome,
        Job,
        JobResult,
        SandboxConfig,
        SandboxError,
        SandboxServer,
        describe_isolation,
    )
    from questionbank.sandbox.isolation import Limits

_HOMES = {
    "CaseOutcome": "client",
    "Job": "client",
    "JobResult": "client",
    "SandboxConfig": "client",
    "SandboxError": "client",
    "SandboxServer": "client",
    "describe_isolation": "client",
    "Limits": "isolation",
}

__all__ = [
    "CaseOutcome",
    "Job",
    "JobResult",
    "Limits",
    "SandboxConfig",
    "SandboxError",
    "SandboxServer",
    "describe_isolation",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
