"""Kernel isolation used by the fork server: namespaces, a private root, uid drop, rlimits.

Everything here runs in a freshly forked child of the fork server, before any student code.
Python 3.11 has no os.unshare, so the calls go through libc with ctypes.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import resource
import stat
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
MNT_DETACH = 2

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NAME = 15

JAIL = "/jail"  # where the tree lives inside the private root (see enter_scratch)

NAMESPACES = {
    "net": CLONE_NEWNET,
    "pid": CLONE_NEWPID,
    "mount": CLONE_NEWNS,
    "ipc": CLONE_NEWIPC,
    "uts": CLONE_NEWUTS,
}

_libc = ctypes.CDLL(None, use_errno=True)


class IsolationError(OSError):
    """A kernel call needed for isolation failed."""


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise IsolationError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), f"unshare({flags:#x})")


def setns(fd: int, nstype: int) -> None:
    _check(_libc.setns(ctypes.c_int(fd), ctypes.c_int(nstype)), f"setns({nstype:#x})")


def mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None
) -> None:
    def enc(text: str | None) -> bytes | None:
        return None if text is None else os.fsencode(text)

    _check(
        _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
        f"mount {source} on {target}",
    )


def prctl(option: int, arg: int) -> None:
    """prctl(2); a no-op where libc has none (macOS), where these safety nets do not exist."""
    if not hasattr(_libc, "prctl"):
        return
    _check(_libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0), f"prctl({option})")


def set_process_name(name: str) -> None:
    """The name ps and top show (15 bytes at most), so that an operator sees which processes
    are zygotes and which are jobs."""
    if not hasattr(_libc, "prctl"):
        return
    buffer = ctypes.create_string_buffer(name.encode()[:15])
    _libc.prctl(PR_SET_NAME, buffer, 0, 0, 0)


@dataclass(frozen=True)
class Limits:
    """Resource limits applied to the process that runs student code."""

    memory_bytes: int = 1 << 30
    cpu_seconds: int = 30
    file_bytes: int = 16 << 20
    open_files: int = 64
    processes: int = 64
    scratch_bytes: int = 32 << 20


@dataclass(frozen=True)
class Layers:
    """Which isolation layers work on this machine (probed once when the server starts)."""

    namespaces: frozenset[str] = field(default_factory=frozenset)
    uid_drop: bool = False
    private_root: bool = False
    rlimits: bool = True
    seccomp: bool = False
    cgroup: str = ""  # "v1", "v2", or "" when no cgroup could be made

    @property
    def level(self) -> str:
        """'full', 'partial' or 'minimal': recorded in every result."""
        if (
            self.uid_drop
            and self.private_root
            and self.rlimits
            and self.seccomp
            and self.cgroup
            and set(NAMESPACES) <= self.namespaces
        ):
            return "full"
        if self.uid_drop or {"net", "pid"} <= self.namespaces:
            return "partial"
        return "minimal"

    def without(self, disabled: frozenset[str]) -> Layers:
        namespaces = self.namespaces - disabled
        return Layers(
            namespaces=namespaces,
            uid_drop=self.uid_drop and "uid_drop" not in disabled,
            private_root=self.private_root
            and "mount" in namespaces
            and "private_root" not in disabled,
            rlimits=self.rlimits,
            seccomp=self.seccomp and "seccomp" not in disabled,
            cgroup="" if "cgroup" in disabled else self.cgroup,
        )

    def missing(self) -> list[str]:
        gaps = [f"{name} namespace" for name in NAMESPACES if name not in self.namespaces]
        if not self.uid_drop:
            gaps.append("unprivileged uid (not running as root)")
        if not self.private_root:
            gaps.append("private root filesystem")
        if not self.rlimits:
            gaps.append("resource limits")
        if not self.seccomp:
            gaps.append("seccomp filter")
        if not self.cgroup:
            gaps.append("cgroup (per-job CPU, memory and process budget)")
        return gaps

    def as_dict(self) -> dict[str, object]:
        return {
            "level": self.level,
            "namespaces": sorted(self.namespaces),
            "uid_drop": self.uid_drop,
            "private_root": self.private_root,
            "rlimits": self.rlimits,
            "seccomp": self.seccomp,
            "cgroup": self.cgroup or "none",
            "missing": self.missing(),
        }


def probe_layers() -> Layers:
    """Fork a throwaway child per layer to learn which ones this kernel and container allow."""
    working: set[str] = set()
    for name, flag in NAMESPACES.items():
        if _in_child(lambda flag=flag: unshare(flag)):
            working.add(name)
    uid_drop = os.geteuid() == 0 and _in_child(lambda: drop_privileges(uid_for_slot(0, 0)))
    private_root = "mount" in working and _in_child(_probe_private_root)
    rlimits = _in_child(lambda: apply_limits(Limits(), address_space_in_use()))
    return Layers(
        namespaces=frozenset(working),
        uid_drop=uid_drop,
        private_root=private_root,
        rlimits=rlimits,
    )


def _probe_private_root() -> None:
    unshare(CLONE_NEWNS)
    mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    mount("tmpfs", "/mnt", "tmpfs", MS_NOSUID | MS_NODEV, "size=64k")


def _in_child(action: object) -> bool:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            action()  # type: ignore[operator]
            code = 0
        except BaseException:  # noqa: BLE001 - any failure means "layer unavailable"
            code = 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def uid_for_slot(base: int, slot: int) -> int:
    """One uid per worker slot: RLIMIT_NPROC counts every process of a uid, zombies included."""
    return (base or 64000) + slot


def _uids_in_use() -> set[int]:
    found: set[int] = set()
    if not Path("/proc").is_dir():
        return found
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                found.add(entry.stat().st_uid)
    return found


def system_temp() -> str:
    """The machine's folder for temporary files, whatever TMPDIR says: every qbank on the
    machine must find the others' uid locks (two graders with different TMPDIRs would
    otherwise claim the same sandbox uids), and a zygote's leftovers must be found again."""
    for candidate in ("/tmp", "/var/tmp", "/usr/tmp"):
        if os.path.isdir(candidate) and os.access(candidate, os.W_OK | os.X_OK):  # noqa: PTH112
            return candidate
    return "/tmp"


def lock_dir(temp: str) -> str:
    """A directory only this user can write, for the uid locks, in ``temp`` (see
    :func:`system_temp`).

    Sandbox uids can write to /tmp: a lock file opened there by root could be a symlink a
    student planted. The locks live in a private subdirectory, checked after creation."""
    path = Path(temp, f"qbank-locks-{os.geteuid()}")
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
    info = os.lstat(path)
    if (
        not stat.S_ISDIR(info.st_mode)
        or info.st_uid != os.geteuid()
        or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    ):
        raise IsolationError(errno.EPERM, f"{path} is not a private directory of this user")
    return str(path)


def claim_uid(base: int, slot: int, lock_dir: str) -> tuple[int, int]:
    """A uid no other running qbank server uses, held by a lock for this server's lifetime.

    Two graders on one machine (two courses, two terminals) must not share a uid: they would
    share RLIMIT_NPROC, and without a pid namespace one's kill-by-uid would hit the other's
    jobs. Returns (uid, fd of the held lock)."""
    for step in range(0, 1000 * 64, 64):
        uid = uid_for_slot(base, slot + step)
        fd = os.open(
            Path(lock_dir, f"qbank-uid-{uid}.lock"),
            os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW,
            0o600,
        )
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        if _held_by_older_qbank(uid, Path(lock_dir).parent) or uid in _uids_in_use():
            os.close(fd)
            continue
        return uid, fd
    raise IsolationError(errno.EUSERS, "no free sandbox uid")


def _held_by_older_qbank(uid: int, temp: Path) -> bool:
    """Whether a qbank before this one (which locked /tmp/qbank-uid-N.lock) holds uid.

    The old lock is only looked at: opened without creating it and without following a
    link, so a file planted there can neither redirect nor block anything but that uid."""
    try:
        fd = os.open(
            temp / f"qbank-uid-{uid}.lock",
            os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
        )
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise IsolationError(errno.EPERM, "uid drop did not take effect")
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def apply_limits(limits: Limits, base_address_space: int) -> None:
    """rlimits for the student process; the address-space limit sits on top of what numpy maps."""
    # Soft == hard everywhere: as pid 1 of its namespace the process ignores SIGXCPU, and
    # the hard limit's SIGKILL is the one signal that still reaches it.
    as_limit = base_address_space + limits.memory_bytes
    pairs = [
        (resource.RLIMIT_AS, as_limit),
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_FSIZE, limits.file_bytes),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_NPROC, limits.processes),
        (resource.RLIMIT_CORE, 0),
    ]
    for which, value in pairs:
        resource.setrlimit(which, (value, value))


def address_space_in_use() -> int:
    """Current virtual size of this process, read from /proc (0 when unavailable)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


@dataclass(frozen=True)
class RootPlan:
    """What the private root holds: read-only system dirs, the stdlib, and whole packages.

    packages maps a site directory to the package folders bound from it; nothing else of that
    site directory (an installed qbank with its graders, other packages) exists in the jail."""

    system_dirs: tuple[str, ...]
    stdlib_dirs: tuple[str, ...]
    packages: tuple[tuple[str, tuple[str, ...]], ...]


def plan_root(package_dirs: list[str]) -> RootPlan:
    """package_dirs: the folders of the packages students may import (numpy's, whole).

    Paths are taken from the modules themselves rather than from sys.path, which depends on how
    the interpreter was started (-S in a venv drops the venv's site-packages from it)."""
    system = tuple(d for d in ("/usr", "/lib", "/lib64", "/lib32", "/bin") if Path(d).exists())
    stdlib = [sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib")]
    stdlib.append(str(Path(sysconfig.get_path("platstdlib"), "lib-dynload")))
    stdlib_dirs = tuple(
        dict.fromkeys(str(Path(d).resolve()) for d in stdlib if d and Path(d).is_dir())
    )
    by_site: dict[str, list[str]] = {}
    for folder in package_dirs:
        resolved = Path(folder).resolve()
        if resolved.is_dir():
            by_site.setdefault(str(resolved.parent), []).append(resolved.name)
    packages = tuple((site, tuple(names)) for site, names in by_site.items())
    return RootPlan(system, stdlib_dirs, packages)


def prepare_root(plan: RootPlan, new_root: str) -> None:
    """Build, once per zygote, a read-only tmpfs root holding only what the plan lists.

    Called in the zygote after it moved into its own mount namespace, as root. Each site
    directory is an empty tmpfs with only the planned packages bound back in. Each job's mount
    namespace starts as a copy of this one, adds its scratch tmpfs and chroots into new_root.
    """
    unshare(CLONE_NEWNS)
    mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0755")
    outer, new_root = new_root, new_root + JAIL
    Path(new_root).mkdir(mode=0o755)
    bound: list[str] = []

    def covered(path: str) -> bool:
        return any(path == b or path.startswith(b.rstrip("/") + "/") for b in bound)

    def bind(path: str, *, writable: bool = False) -> None:
        target = new_root + path
        if Path(path).is_dir():
            Path(target).mkdir(parents=True, exist_ok=True)
        else:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            Path(target).touch()
        mount(path, target, None, MS_BIND | MS_REC, None)
        flags = MS_REMOUNT | MS_BIND | MS_NOSUID
        mount(None, target, None, flags if writable else flags | MS_RDONLY, None)

    for path in plan.system_dirs:
        if Path(path).is_symlink():
            (Path(new_root) / path.lstrip("/")).symlink_to(Path(path).readlink())
        else:
            bind(path)
            bound.append(path)
    for path in plan.stdlib_dirs:
        if not covered(path):
            bind(path)
            bound.append(path)
    for site, names in plan.packages:
        target = new_root + site
        Path(target).mkdir(parents=True, exist_ok=True)
        # A site directory under /usr is already bound read-only: cover it all the same.
        mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
        for name in names:
            bind(str(Path(site, name)))
        mount(None, target, None, MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_RDONLY, None)
    for device in ("null", "zero", "urandom", "random"):
        if Path("/dev", device).exists():
            bind(f"/dev/{device}", writable=True)
    Path(new_root, "scratch").mkdir()
    if not Path(new_root, "tmp").exists():  # a virtualenv may live under /tmp
        (Path(new_root) / "tmp").symlink_to("/scratch")
    mount(None, outer, None, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_RDONLY, None)


_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41}


def move_into_root(new_root: str) -> None:
    """Make new_root the root of the server's own mount namespace and drop every host mount.

    Each job's mount namespace is a copy of this one: with only the dozen mounts of the
    private root in it, copying and tearing it down per job stays cheap, and nothing of the
    host file system is left to escape to.
    """
    number = _PIVOT_ROOT.get(os.uname().machine)
    if number is None:
        raise IsolationError(errno.ENOSYS, "pivot_root: unknown syscall number on this machine")
    os.chdir(new_root)
    _check(_libc.syscall(number, b".", b"."), "pivot_root")
    # The old root is now stacked under the new one at "/": detaching "." drops it.
    _check(_libc.umount2(b".", ctypes.c_int(MNT_DETACH)), "umount old root")
    os.chdir("/")


def enter_scratch(*, uid: int, scratch_bytes: int, source: bytes) -> None:
    """In a job's own mount namespace: a fresh, size-limited scratch tmpfs with the source,
    then chroot into the jail. Being chrooted below the mount namespace's root is what makes
    the kernel refuse unshare(CLONE_NEWUSER) to the job: no user namespace, no capabilities
    in one, and much less kernel surface to attack."""
    mount(
        "tmpfs",
        JAIL + "/scratch",
        "tmpfs",
        MS_NOSUID | MS_NODEV,
        f"size={scratch_bytes},mode=0700,uid={uid},gid={uid}",
    )
    # os calls rather than pathlib: this runs in every job, in a process whose first touch of
    # each code path costs page faults.
    fd = os.open(JAIL + "/scratch/submission.py", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(source)
        while view:
            view = view[os.write(fd, view) :]
        os.fchown(fd, uid, uid)
    finally:
        os.close(fd)
    os.chroot(JAIL)
    os.chdir("/scratch")
