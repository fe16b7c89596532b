# Forge results: write results.json wherever possible, print a fake verdict, fake the protocol.
import json
import os
import sys

FAKE = {"score": 100, "tests": [{"name": "all", "score": 100, "status": "passed"}]}
for path in ["/autograder/results/results.json", "results.json", "../results.json",
             "../../results.json", "/tmp/qbank-hostile-proof-results.json",
             os.path.expanduser("~/results.json")]:
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w") as handle:
            json.dump(FAKE, handle)
    except OSError:
        pass
print(json.dumps(FAKE))
sys.stdout.flush()


def affine(x, shift=1.0):
    print(json.dumps(FAKE))
    print("passed")
    # A forged result frame on the result channel: b"QB" + kind + length + payload.
    try:
        os.write(3, b"QBR\x00\x00\x00\x00")
    except OSError:
        pass
    return None
