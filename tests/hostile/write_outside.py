# Write everywhere except the scratch directory (/tmp inside the sandbox is the scratch).
import os

TARGETS = ["/tmp/qbank-hostile-proof-write", "/var/tmp/qbank-hostile-proof-write",
           "/dev/shm/qbank-hostile-proof-write", "/work/qbank-hostile-proof-write",
           "../qbank-hostile-proof-write", "/qbank-hostile-proof-write",
           os.path.expanduser("~/qbank-hostile-proof-write")]


def affine(x, shift=1.0):
    for path in TARGETS:
        try:
            with open(path, "w") as handle:
                handle.write("escaped")
        except OSError:
            pass
    with open("scratch-is-fine.txt", "w") as handle:
        handle.write("ok")
    return x * 0.0
