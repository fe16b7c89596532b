"""Isolated execution of student code: pristine zygotes that fork one confined job per attempt
(namespaces, private root, uid drop, seccomp, cgroup, rlimits).

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
