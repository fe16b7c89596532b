"""Child process for tests/_taskcases.py: run one submission on the cases in a folder.

argv: submission.py function_name workdir.  Reads workdir/cases.json (+ in_*.npy), writes
outputs as .npy files (no pickles) and workdir/outputs.json.  Our own corpus only; the
real grader is sandboxed.
"""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np


def main() -> None:
    submission, function, workdir = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    spec = importlib.util.spec_from_file_location("submission", submission)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    func = getattr(module, function)
    report = []
    for n, case in enumerate(json.loads((workdir / "cases.json").read_text())):
        kwargs = {
            k: np.load(workdir / v["npy"], allow_pickle=False) if "npy" in v else v["value"]
            for k, v in case["args"].items()
        }
        try:
            out = func(**kwargs)
            parts = out if isinstance(out, tuple) else (out,)
            files = []
            for i, part in enumerate(parts):
                name = f"out_{n}_{i}.npy"
                np.save(workdir / name, np.asarray(part, dtype=np.float64), allow_pickle=False)
                files.append(name)
            report.append({"files": files, "tuple": isinstance(out, tuple)})
        except Exception as exc:  # noqa: BLE001 - any failure of the submission is a verdict
            report.append({"error": f"{type(exc).__name__}: {exc}"})
    (workdir / "outputs.json").write_text(json.dumps(report))


if __name__ == "__main__":
    main()
