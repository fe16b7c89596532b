# Double-fork a setsid daemon that outlives the function and keeps stdout open.
import os
import time


def affine(x, shift=1.0):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            while True:
                for path in ("/tmp/qbank-hostile-proof-daemon", "proof-daemon"):
                    try:
                        with open(path, "a") as handle:
                            handle.write("alive\n")
                    except OSError:
                        pass
                print("daemon alive", flush=True)
                time.sleep(0.05)
        os._exit(0)
    return x * 0.0
