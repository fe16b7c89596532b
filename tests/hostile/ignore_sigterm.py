# Ignore every catchable signal, then spin.
import signal

for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM, signal.SIGXCPU,
            signal.SIGUSR1, signal.SIGUSR2):
    signal.signal(sig, signal.SIG_IGN)


def affine(x, shift=1.0):
    while True:
        pass
