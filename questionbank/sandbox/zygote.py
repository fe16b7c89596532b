"""The zygote: `python -S -m questionbank.sandbox.zygote CONFIG_JSON CONTROL_FD`.

A pristine parent for jobs. Started by the trusted client as a fresh process (never forked
from a process that holds references or expected values), it imports numpy once, decodes the
case inputs it is given (only public ones, or only hidden ones: a slot has one zygote of each),
probes the isolation layers, builds the cgroup, moves into its private
root, then forks one job per request.

It never receives anything a student wrote or produced. A request carries descriptors made by
the trusted client: a sealed memfd holding the source, and the write ends of the result and
output pipes, whose read ends only the client holds. The zygote hands them to the forked job
and closes its copies unread, so its memory (which every later job inherits) holds no byte of
any submission, output or reply. All it learns of a job is its exit status, which it passes on.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import base64  # noqa: E402
import contextlib  # noqa: E402
import dataclasses  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy  # noqa: E402 - imported once here so every fork gets it for free

from questionbank.sandbox import cgroups, codec, isolation, worker  # noqa: E402
from questionbank.sandbox.frames import (  # noqa: E402
    FrameError,
    receive_control,
    send_control,
)

# Modules a submission may reasonably import, imported here so that every job gets them for
# free, and because without a private root the unprivileged job may be unable to read the
# interpreter's directory.
PREIMPORTED = (
    "math",
    "cmath",
    "itertools",
    "functools",
    "collections",
    "collections.abc",
    "operator",
    "copy",
    "typing",
    "dataclasses",
    "numbers",
    "fractions",
    "decimal",
    "heapq",
    "bisect",
    "re",
    "string",
    "time",
    "warnings",
    "traceback",
    "linecache",
    "abc",
    "enum",
    "hashlib",
    "numpy.linalg",
    "numpy.fft",
    "numpy.lib.stride_tricks",
)
# numpy's lazily loaded parts (ma behind np.median and np.unique, polynomial, testing, random)
# and the modules with an at-fork hook: with a private root they load in the job from the
# jail, which holds all of numpy and the standard library; without one, the job may not be able
# to read them, so the zygote imports them (a larger process to fork). Every job pays for an
# at-fork hook: numpy.random imports threading (~0.4 ms a job), random reseeds (~0.1 ms).
LAZY_WITHOUT_ROOT = (
    "numpy.ma",
    "numpy.polynomial",
    "numpy.testing",
    "numpy.random",
    "random",
    "statistics",
)
ARGS_CACHE = 16
# Bytes of encoded inputs kept at most (the set being decoded may be larger): well inside the
# cgroup's headroom, which the zygote shares with its jobs.
ARGS_CACHE_BYTES = 24 << 20
# The cgroup holds what the job's rlimit does not count: the pages it copies from the zygote,
# page tables, kernel memory. Without this margin a single process that grows to its rlimit
# may be killed by the cgroup a few pages before it would get a MemoryError.
CGROUP_HEADROOM = 64 << 20
_COUNT = struct.Struct("<I")


@dataclass(frozen=True)
class ZygoteConfig:
    slot: int
    uid_base: int
    limits: isolation.Limits
    disabled: frozenset[str] = frozenset()
    # Compiled by the client (see seccomp.compile_filter); empty when it could not be.
    seccomp_program: bytes = b""
    temp: str = "/tmp"  # the machine's folder for temporary files (isolation.system_temp)


class Zygote:
    def __init__(self, config: ZygoteConfig) -> None:
        self.config = config
        layers = isolation.probe_layers()
        self.uid, self.uid_lock = isolation.claim_uid(
            config.uid_base, config.slot, isolation.lock_dir(config.temp)
        )
        self.workdir = make_workdir(config.temp)
        self.root_mountpoint = str(Path(self.workdir, "root"))
        Path(self.root_mountpoint).mkdir()
        program = config.seccomp_program
        group = None
        if "cgroup" not in config.disabled:
            group = cgroups.create(
                f"qbank-{os.getpid()}",
                memory_bytes=config.limits.memory_bytes + CGROUP_HEADROOM,
                processes=config.limits.processes + 2,  # with us, and kill_leftovers' helper
                cpus=1.0,
            )
        # We join the group ourselves, so that every job is born in it: moving each job in
        # costs ~0.25 ms (three cgroup v1 migrations). Our own share of its budget is small (we
        # idle while a job runs, and the inputs we keep are capped: ARGS_CACHE_BYTES), and
        # jobs are the memory killer's first choice (see worker.prefer_as_oom_victim), through
        # this descriptor of /proc.
        self.proc_fd = -1
        if group is not None:
            try:
                group.join()
            except OSError as exc:
                print(f"qbank sandbox: no cgroup ({exc})", file=sys.stderr)
                group.discard()
                group = None
            else:
                group.close_fds()
                with contextlib.suppress(OSError):
                    self.proc_fd = os.open("/proc", os.O_PATH | os.O_DIRECTORY)
                worker.spare_from_oom_killer()
        layers = dataclasses.replace(
            layers, seccomp=bool(program), cgroup=group.version if group else ""
        ).without(config.disabled)
        # One empty network and UTS namespace for the zygote and all its jobs: nothing in
        # them outlives a job (sockets die with their processes, and the unprivileged job
        # cannot set a hostname), and creating a network namespace per job costs ~1 ms.
        for name in ("net", "uts"):
            if name in layers.namespaces:
                isolation.unshare(isolation.NAMESPACES[name])
        # Our own pid namespace, to return to after creating each job's (setns), since
        # unshare(CLONE_NEWPID) works only once from a given pid_ns_for_children.
        self.pidns_fd = -1
        if "pid" in layers.namespaces:
            self.pidns_fd = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        self.cgroup_paths = group.paths if group else []
        if layers.private_root:
            try:
                plan = isolation.plan_root(
                    [str(Path(numpy.__file__).parent), str(Path(numpy.__file__).parent) + ".libs"]
                )
                isolation.prepare_root(plan, self.root_mountpoint)
                isolation.move_into_root(self.root_mountpoint)
            except OSError as exc:
                print(f"qbank sandbox: no private root ({exc})", file=sys.stderr)
                layers = dataclasses.replace(layers, private_root=False)
        if not layers.private_root:
            for name in LAZY_WITHOUT_ROOT:
                importlib.import_module(name)
        self.layers = layers
        self.confinement = worker.Confinement(
            uid=self.uid,
            layers=layers,
            limits=config.limits,
            base_address_space=isolation.address_space_in_use(),
            seccomp_program=program,
            proc_fd=self.proc_fd,
        )
        isolation.prctl(isolation.PR_SET_CHILD_SUBREAPER, 1)
        warm_up()
        self.args_cache: dict[str, tuple[worker.CaseArgs, ...]] = {}
        self.args_sizes: dict[str, int] = {}

    def hello(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "uid": self.uid,
            "isolation": self.layers.as_dict(),
            "workdir": self.workdir,
            "cgroups": self.cgroup_paths,
        }

    def serve(self, control: socket.socket) -> None:
        """Answer the client until it closes the channel (then every job is gone: each was
        reaped before the next request was read)."""
        try:
            self._serve(control)
        except OSError:  # the client went away mid-reply: nothing is left to answer
            return

    def _serve(self, control: socket.socket) -> None:
        send_control(control, self.hello())
        while True:
            try:
                message, fds = receive_control(control)
            except FrameError:
                return
            op = message.get("op")
            if op == "args" and len(fds) == 1:
                self.load_args(str(message["key"]), fds[0])
                send_control(control, {"ok": True})
            elif op == "run" and len(fds) == 4:
                self.run(message, fds, control)
            elif op == "ping":
                _close(fds)
                send_control(control, {"pong": True})
            else:  # the client is trusted: anything else is a bug on its side
                _close(fds)
                return

    def load_args(self, key: str, fd: int) -> None:
        """Case inputs, decoded here once rather than in every job (a freshly forked process
        pays ~10x for the same decoding). Trusted data from the client, inputs only."""
        try:
            blob = worker.read_source(fd)
        finally:
            os.close(fd)
        # What we keep counts in our jobs' cgroup: old inputs go before new ones are decoded.
        while self.args_cache and (
            len(self.args_cache) >= ARGS_CACHE
            or sum(self.args_sizes.values()) + len(blob) > ARGS_CACHE_BYTES
        ):
            oldest = next(iter(self.args_cache))
            del self.args_cache[oldest], self.args_sizes[oldest]
        (count,) = _COUNT.unpack_from(blob)
        sizes = struct.unpack_from(f"<{count}I", blob, _COUNT.size)
        offset = _COUNT.size * (count + 1)
        decoded = []
        for size in sizes:
            decoded.append(decode_case(blob[offset : offset + size]))
            offset += size
        self.args_cache[key] = tuple(decoded)
        self.args_sizes[key] = len(blob)

    def run(self, message: dict[str, Any], fds: list[int], control: socket.socket) -> None:
        args = self.args_cache.get(str(message["key"]))
        if args is None:
            _close(fds)
            send_control(control, {"need_args": True})
            return
        source_fd, result_fd, output_fd, scratch_fd = fds
        attempt = worker.Attempt(
            function=str(message["function"]),
            args=tuple(args[int(i)] for i in message["cases"]),
            check_inputs=bool(message.get("check_inputs")),
            source_fd=source_fd,
            result_fd=result_fd,
            output_fd=output_fd,
            scratch_fd=scratch_fd,
        )
        try:
            pid = self.fork_job(attempt, keep=set(fds))
        finally:
            _close(fds)
        send_control(control, {"started": True})
        code = self.await_finish(pid, control)
        send_control(control, {"exited": code})

    def fork_job(self, attempt: worker.Attempt, *, keep: set[int]) -> int:
        if self.pidns_fd >= 0:
            isolation.setns(self.pidns_fd, isolation.CLONE_NEWPID)
            isolation.unshare(isolation.CLONE_NEWPID)
        pid = os.fork()
        if pid == 0:
            close_fds_except(keep | {self.proc_fd})
            worker.student_process(attempt, self.confinement)
        if self.pidns_fd >= 0:
            isolation.setns(self.pidns_fd, isolation.CLONE_NEWPID)  # later forks stay here
        return pid

    def await_finish(self, pid: int, control: socket.socket) -> int:
        """Reap the job when it ends; return its exit code once the client says "finish"
        (with a grace period for a job that is still running)."""
        pidfd = _pidfd(pid)
        code: int | None = None
        grace = 0.0
        try:
            while True:
                watched = [control] + ([pidfd] if code is None and pidfd >= 0 else [])
                poll = None if code is not None or pidfd >= 0 else 0.005
                ready, _, _ = select.select(watched, [], [], poll)
                if code is None:
                    code = _try_reap(pid)
                if control in ready:
                    try:
                        message, fds = receive_control(control)
                    except FrameError:
                        grace = 0.0
                        break
                    _close(fds)
                    grace = float(message.get("grace", 0.0))
                    break
        finally:
            if pidfd >= 0:
                os.close(pidfd)
        if code is None:
            code = self.end_job(pid, grace)
        self.kill_leftovers()
        self.reap_orphans()
        return code

    def end_job(self, pid: int, grace: float) -> int:
        """Give a job that closed its pipes a moment to exit by itself (so that its own exit
        status is reported, not our SIGKILL), then kill it. pid 1 of its namespace: killing
        it kills the namespace. Without one, its process group and uid are the nets."""
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            code = _try_reap(pid)
            if code is not None:
                return code
            time.sleep(0.0005)
        os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        return _exit_code(status)

    def reap_orphans(self) -> None:
        """Without a pid namespace, setsid daemons reparent to us (the subreaper)."""
        deadline = time.monotonic() + 2.0
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                if time.monotonic() > deadline:
                    return
                self.kill_leftovers()
                time.sleep(0.001)

    def kill_leftovers(self) -> None:
        if "pid" in self.layers.namespaces or not self.layers.uid_drop:
            return
        # Without a pid namespace, kill(-1) from a process of the slot's uid reaches every
        # process of that uid: setsid and double-fork escapees included.
        pid = os.fork()
        if pid == 0:
            try:
                os.closerange(3, 65536)  # nothing of ours reaches a process of the slot's uid
                isolation.drop_privileges(self.uid)
                for _ in range(1000):  # a fork storm refills the table while we kill
                    os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                pass
            finally:
                os._exit(0)
        os.waitpid(pid, 0)


def make_workdir(temp: str) -> str:
    """A fresh folder for the private root's mount point, traversable by the job's uid."""
    path = os.path.join(temp, f"qbank-sandbox-{os.getpid()}-{os.urandom(6).hex()}")  # noqa: PTH118
    os.mkdir(path, 0o700)  # noqa: PTH102
    os.chmod(path, 0o711)  # noqa: PTH101
    return path


def warm_up() -> None:
    """Run once what every job runs first (the compiler, the codec, a traceback), so that
    their one-time set-up is inherited by every job rather than paid again in each. Nothing
    here depends on a submission."""
    source = "import numpy as np\n\ndef f(x, n=1):\n    return np.asarray(x) * n\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, "warm-up.py", "exec", dont_inherit=True), namespace)
    value = namespace["f"](numpy.arange(6.0).reshape(2, 3), n=2)
    codec.fingerprint({"x": value, "n": 2})
    codec.encode([value, 1, 2.0, None, "text", {"k": (True,)}])
    try:
        raise ValueError("warm-up")
    except ValueError as exc:
        worker.describe_exception(exc, "warm-up.py", loading=False)


def decode_case(blob: bytes) -> worker.CaseArgs:
    """A case's keyword arguments, or why they could not be decoded (reported by the job)."""
    try:
        return codec.decode_args(blob)
    except codec.DecodeError as exc:
        return f"the case's arguments could not be decoded ({exc})"


def close_fds_except(keep: set[int]) -> None:
    low = 3
    for fd in sorted(keep):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    os.closerange(low, 65536)


def _close(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _pidfd(pid: int) -> int:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):  # macOS, or a kernel before 5.3: poll instead
        return -1


def _try_reap(pid: int) -> int | None:
    try:
        reaped, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return -1
    return _exit_code(status) if reaped == pid else None


def _exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def main() -> None:
    """argv: SETTINGS_JSON CONTROL_FD [SETTINGS_JSON CONTROL_FD]. With two pairs, one process
    imports numpy once and forks the second zygote (a slot's hidden one) before either has
    set anything up: the fork is as pristine as its parent, and the slot starts in half the
    time."""
    pairs = list(zip(sys.argv[1::2], sys.argv[2::2], strict=True))
    # Jobs inherit fds 0-2 and these stream objects, then point fds 1 and 2 at their output
    # pipe: a submission printing text that cannot be encoded must not fail because of it.
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
        stream.reconfigure(errors="replace")  # type: ignore[union-attr]
    isolation.set_process_name("qbank-zygote")
    for name in PREIMPORTED:
        importlib.import_module(name)
    (settings, fd), *others = pairs
    if others:
        # Forked twice, so that the second zygote is not our child: our waits for a job's
        # leftovers (waitpid(-1)) must never find it. The client watches it by pidfd.
        (other_settings, other_fd), mine = others[0], fd
        middle = os.fork()
        if middle == 0:
            if os.fork() != 0:
                os._exit(0)
            os.close(int(mine))
            settings, fd = other_settings, other_fd
        else:
            os.waitpid(middle, 0)
            os.close(int(other_fd))
    control = socket.socket(fileno=int(fd))
    Zygote(_config(json.loads(settings))).serve(control)


def _config(raw: dict[str, Any]) -> ZygoteConfig:
    return ZygoteConfig(
        slot=int(raw["slot"]),
        uid_base=int(raw["uid_base"]),
        limits=isolation.Limits(**raw["limits"]),
        disabled=frozenset(raw.get("disabled", ())),
        seccomp_program=base64.b64decode(raw.get("seccomp", "")),
        temp=str(raw["temp"]),
    )


if __name__ == "__main__":
    main()
