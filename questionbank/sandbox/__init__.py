"""Isolated execution of student code: a warm fork server with namespaces, rlimits and a uid drop.

The trusted side uses SandboxServer (one per worker slot) to run a Job and gets back untrusted
outcomes, which questionbank.sandbox.codec.decode turns into plain data.
"""

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
