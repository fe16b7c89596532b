"""Child process for tests/test_hostile_batch.py: grade a folder with grade_batch, as
`qbank grade-batch` does, and report the trusted process's own peak memory.

argv: folder out jobs.  Prints {"maxrss_kb": N, "uids": [...]} on stdout.
"""

import json
import resource
import sys
from pathlib import Path

from sandbox_helpers import UID_BASE, toy_task

from questionbank.grading import batch
from questionbank.grading.batch import grade_batch
from questionbank.sandbox import Limits, SandboxConfig, SandboxServer

USED_UIDS: set[int] = set()


class RecordingServer(SandboxServer):
    """Remembers the uids its jobs ran as, for the test's "nothing escaped" check."""

    def start(self) -> None:
        super().start()
        USED_UIDS.update(self.uids)


TIMEOUT = 2.0
LOAD_TIMEOUT = 3.0


def main() -> None:
    folder, out, jobs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    batch.SandboxServer = RecordingServer  # type: ignore[misc]
    config = SandboxConfig(limits=Limits(memory_bytes=512 << 20, cpu_seconds=10), uid_base=UID_BASE)
    grade_batch(
        [toy_task(timeout=TIMEOUT)],
        folder,
        out,
        jobs=jobs,
        config=config,
        load_timeout=LOAD_TIMEOUT,
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"maxrss_kb": peak, "uids": sorted(USED_UIDS)}))


if __name__ == "__main__":
    main()
