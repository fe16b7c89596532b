"""A cgroup per zygote: one budget of CPU, memory and processes for each job, across all its
processes (rlimits are per process: 60 processes of one job could hold 60 GiB or starve the
other worker slot).

The zygote runs one job at a time, so its cgroup is the running job's. The zygote creates the
group before it moves into its private root (where /sys does not exist) and joins it, so that
every job it forks is born in it (moving each job in would cost ~0.25 ms: three migrations
under cgroup v1). The zygote idles while a job runs, so its share of the budget is small; its
jobs make themselves the memory killer's first choice, and when a job's processes exhaust the
CPU quota the zygote waits with them for the next 100 ms period at most. cgroup v1 (one
hierarchy per controller) and v2 (one unified hierarchy) are both supported; where neither is
writable (most containers), the job keeps its rlimits and the result records that no cgroup
was used.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
CPU_PERIOD_US = 100_000


@dataclass
class Group:
    version: str  # "v1" or "v2"
    paths: list[str] = field(default_factory=list)
    procs_fds: list[int] = field(default_factory=list)

    def join(self) -> None:
        """Move the calling process (the zygote) into the group."""
        for fd in self.procs_fds:
            os.write(fd, b"0")

    def close_fds(self) -> None:
        for fd in self.procs_fds:
            with contextlib.suppress(OSError):
                os.close(fd)

    def add(self, path: Path) -> None:
        self.procs_fds.append(os.open(path / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC))

    def discard(self) -> None:
        """Undo a half-made group."""
        self.close_fds()
        remove(self.paths)


def create(name: str, *, memory_bytes: int, processes: int, cpus: float) -> Group | None:
    """Make and configure the group; None when this machine gives us no writable cgroup."""
    if (ROOT / "cgroup.controllers").is_file():
        return _create_v2(name, memory_bytes, processes, cpus)
    return _create_v1(name, memory_bytes, processes, cpus)


def _own_path(controller: str) -> str:
    """Our cgroup in one hierarchy ("" is its root), from /proc/self/cgroup."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return ""
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(",") or (controller == "" and controllers == ""):
            return path.strip("/")
    return ""


def _write(path: Path, value: str) -> None:
    path.write_text(value)


def _make(parent: Path, name: str) -> Path | None:
    target = parent / name
    try:
        target.mkdir()
    except FileExistsError:
        pass
    except OSError:
        return None
    return target


def _create_v1(name: str, memory_bytes: int, processes: int, cpus: float) -> Group | None:
    group = Group("v1")
    settings = {
        "memory": [("memory.limit_in_bytes", str(memory_bytes))],
        "pids": [("pids.max", str(processes))],
        "cpu": [
            ("cpu.cfs_period_us", str(CPU_PERIOD_US)),
            ("cpu.cfs_quota_us", str(int(CPU_PERIOD_US * cpus))),
        ],
    }
    try:
        for controller, values in settings.items():
            hierarchy = ROOT / controller
            if not hierarchy.is_dir():
                raise OSError(f"no {controller} hierarchy")
            target = None
            # Below our own group where we may, else at the hierarchy's root.
            for parent in (hierarchy / _own_path(controller), hierarchy):
                target = _make(parent, name)
                if target is not None:
                    break
            if target is None:
                raise OSError(f"cannot create a {controller} cgroup")
            group.paths.append(str(target))
            for file, value in values:
                _write(target / file, value)
            swap = target / "memory.memsw.limit_in_bytes"
            if controller == "memory" and swap.exists():
                with contextlib.suppress(OSError):  # only where swap accounting is on
                    _write(swap, str(memory_bytes))
            group.add(target)
    except OSError:
        group.discard()
        return None
    return group


def _create_v2(name: str, memory_bytes: int, processes: int, cpus: float) -> Group | None:
    group = Group("v2")
    wanted = "+memory +pids +cpu"
    for parent in (ROOT / _own_path(""), ROOT):
        try:
            # Controllers must be enabled in the parent; this fails (EBUSY) where the parent
            # holds processes itself, and we try the root instead.
            _write(parent / "cgroup.subtree_control", wanted)
        except OSError:
            continue
        target = _make(parent, name)
        if target is None:
            continue
        group.paths.append(str(target))
        try:
            _write(target / "memory.max", str(memory_bytes))
            with contextlib.suppress(OSError):
                _write(target / "memory.swap.max", "0")
            _write(target / "pids.max", str(processes))
            _write(target / "cpu.max", f"{int(CPU_PERIOD_US * cpus)} {CPU_PERIOD_US}")
            group.add(target)
        except OSError:
            group.discard()
            return None
        return group
    return None


def remove(paths: list[str]) -> None:
    """Remove groups once empty (called by the trusted client after its zygote exited)."""
    for path in paths:
        with contextlib.suppress(OSError):
            Path(path).rmdir()


def remove_stale(prefix: str) -> None:
    """Groups of zygotes that were killed (their client could not remove them)."""
    for hierarchy in [ROOT, *(ROOT / c for c in ("memory", "pids", "cpu"))]:
        for parent in {hierarchy, hierarchy / _own_path(hierarchy.name)}:
            with contextlib.suppress(OSError):
                for entry in parent.glob(prefix + "*"):
                    pid = entry.name.rsplit("-", 1)[-1]
                    if pid.isdigit() and not Path("/proc", pid).exists():
                        remove([str(entry)])
