"""A seccomp filter for jobs: the kernel interfaces a NumPy function never needs.

The filter is compiled to BPF by the trusted client when it starts a zygote, with libseccomp
(through pyseccomp, which knows each architecture's syscall numbers); every job then installs
the ready program with one prctl, after its uid drop and no_new_privs (compiling per job would
cost ~5 ms). Not in the zygote: pyseccomp imports ctypes.util, which imports subprocess and
threading, and threading's at-fork hook would cost every job ~0.4 ms.

What it refuses, and why:
- keyctl, add_key, request_key: kernel keyrings are per uid and outlive processes, so one job
  could leave a note for the next job of the same slot;
- io_uring, userfaultfd, bpf, perf_event_open: large kernel attack surface, and ways around
  the other filters (io_uring performs I/O without the syscalls seen here);
- ptrace, process_vm_readv/writev: reading another process's memory;
- mount and the new mount API, pivot_root, chroot, unshare, setns, namespace flags in clone,
  clone3 (ENOSYS, so that libc falls back to clone, whose flags can be checked): leaving the
  jail or gaining capabilities in a new user namespace;
- sockets other than AF_UNIX: no network, whatever the network namespace allows.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os

from questionbank.sandbox.isolation import (
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUSER,
    CLONE_NEWUTS,
    IsolationError,
)

CLONE_NEWCGROUP = 0x02000000
AF_UNIX = 1
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

REFUSED = (
    "keyctl",
    "add_key",
    "request_key",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "userfaultfd",
    "bpf",
    "perf_event_open",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "name_to_handle_at",
    "open_by_handle_at",
    "kexec_load",
    "init_module",
    "finit_module",
    "delete_module",
    "swapon",
    "swapoff",
    "reboot",
    "acct",
    "quotactl",
)
NAMESPACE_FLAGS = (
    CLONE_NEWNS,
    CLONE_NEWUTS,
    CLONE_NEWIPC,
    CLONE_NEWUSER,
    CLONE_NEWPID,
    CLONE_NEWNET,
    CLONE_NEWCGROUP,
)


def compile_filter() -> bytes:
    """The BPF program as bytes (an array of struct sock_filter); IsolationError if
    libseccomp is not available."""
    import tempfile  # here, not at the top: the zygote imports this module for install()

    try:
        import pyseccomp as sc
    except (ImportError, OSError) as exc:  # the package, or libseccomp itself, is missing
        raise IsolationError(errno.ENOSYS, f"seccomp unavailable: {exc}") from None
    refuse = sc.ERRNO(errno.EPERM)
    program = sc.SyscallFilter(defaction=sc.ALLOW)
    # A binary tree of syscall numbers rather than a list: the kernel evaluates the filter for
    # every syscall number when it is installed (to cache the always-allowed ones), so a
    # shorter path is ~70 us less per job. libseccomp before 2.5 does not know the attribute.
    with contextlib.suppress(ValueError, RuntimeError, OSError, AttributeError):
        program.set_attr(sc.Attr.CTL_OPTIMIZE, 2)
    for name in REFUSED:
        try:
            program.add_rule(refuse, name)
        except (ValueError, RuntimeError, OSError):
            continue  # not a syscall on this architecture
    program.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    for flag in NAMESPACE_FLAGS:
        program.add_rule(refuse, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    program.add_rule(sc.ERRNO(errno.EAFNOSUPPORT), "socket", sc.Arg(0, sc.NE, AF_UNIX))
    program.add_rule(sc.ERRNO(errno.EAFNOSUPPORT), "socketpair", sc.Arg(0, sc.NE, AF_UNIX))
    with tempfile.TemporaryFile() as handle:
        program.export_bpf(handle)
        handle.seek(0)
        return handle.read()


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


_libc = ctypes.CDLL(None, use_errno=True)


def install(program: bytes) -> None:
    """Load a compiled program into this process (needs no_new_privs or CAP_SYS_ADMIN)."""
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        err = ctypes.get_errno()
        raise IsolationError(err, f"seccomp: {os.strerror(err)}")
