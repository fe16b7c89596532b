"""Notebook submissions: a Jupyter or Colab `.ipynb` file becomes the Python source graded.

The code cells, in order, form the submission, as if the notebook ran top to bottom. What only
IPython understands is neutralised with a note rather than failing the whole notebook: `!pip`
and `%magic` lines, `%%cell` magics, plotting imports and top-level plotting or `display(...)`
calls (the sandbox has no display and no matplotlib). Raw and Markdown cells, outputs and
metadata are never run. The notebook is read on the trusted side, as untrusted JSON, with a
size cap; from here on it is a `.py` submission like any other.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_NOTEBOOK = 20 << 20
PLOTTING_MODULES = ("matplotlib", "seaborn", "plotly", "IPython", "google.colab", "ipywidgets")
# Cell magics whose body is ordinary Python: the body runs, the magic line does not.
PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture")
_MAGIC_LINE = re.compile(r"^(\s*)[!%]")
_FUTURE = re.compile(r"^from __future__ import [\w, ()]+$", re.M)


class NotebookError(ValueError):
    """The file is not a notebook qbank can read; the message is for the student."""


@dataclass(frozen=True)
class NotebookSource:
    source: bytes
    notes: tuple[str, ...]


def notebook_source(raw: bytes, *, functions: Sequence[str] = ()) -> NotebookSource:
    """The Python source of a notebook's code cells, and notes on what was changed.

    functions: the functions the task grades; defining one twice gets a note (the last
    definition wins, as when the notebook runs top to bottom)."""
    cells = _code_cells(raw)
    parts: list[str] = []
    notes: list[str] = []
    dropped_lines = 0
    defined: dict[str, list[int]] = {}
    dropped: set[str] = {"display", "clear_output", "get_ipython"}
    for number, text in cells:
        if text.lstrip().startswith("%%"):
            magic = text.lstrip().split(None, 1)[0]
            if magic not in PYTHON_CELL_MAGICS:
                notes.append(f"cell {number}: a {magic} cell is not run")
                continue
            notes.append(f"cell {number}: run without its {magic} line")
        lines = text.splitlines()
        for index, line in enumerate(lines):
            match = _MAGIC_LINE.match(line)
            if match:
                lines[index] = f"{match.group(1)}pass  # qbank: IPython line dropped"
                dropped_lines += 1
        lines, plotting = _neutralise_plotting(lines, dropped)
        if plotting:
            notes.append(f"cell {number}: {plotting} plotting or display line(s) not run")
        for name in _top_level_functions("\n".join(lines)):
            defined.setdefault(name, []).append(number)
        parts.append(f"# --- notebook cell {number} ---\n" + "\n".join(lines) + "\n")
    if dropped_lines:
        notes.append(f"{dropped_lines} IPython line(s) (!command or %magic) not run")
    # IPython compiles each cell alone, so a later cell may start with a __future__ import;
    # in one module those must come first.
    futures = sorted(
        {line.strip() for part in parts for line in part.splitlines() if _FUTURE.match(line)}
    )
    if futures:
        parts = [_FUTURE.sub("pass  # qbank: moved to the top", part) for part in parts]
        parts.insert(0, "\n".join(futures) + "\n")
    for name in functions:
        where = defined.get(name, [])
        if len(where) > 1:
            cells_text = ", ".join(str(n) for n in where)
            notes.append(
                f"{name}() is defined in cells {cells_text}: the last one (cell {where[-1]}) "
                "is graded, as when the notebook runs top to bottom"
            )
    return NotebookSource("\n".join(parts).encode("utf-8"), tuple(notes))


def _code_cells(raw: bytes) -> list[tuple[int, str]]:
    """(1-based number among all cells, source) of each code cell; NotebookError otherwise."""
    if len(raw) > MAX_NOTEBOOK:
        raise NotebookError(
            f"the notebook is larger than {MAX_NOTEBOOK >> 20} MiB: clear its outputs "
            "(Edit > Clear all outputs) and save it again"
        )
    import nbformat

    try:
        notebook = nbformat.reads(raw.decode("utf-8"), as_version=4)  # type: ignore[no-untyped-call]
    except UnicodeDecodeError as exc:
        raise NotebookError(f"the notebook is not UTF-8 (byte {exc.start})") from None
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        # nbformat raises NotJSONError (a ValueError) and friends on broken files.
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise NotebookError(f"not a Jupyter notebook that can be read ({reason})") from None
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise NotebookError("not a Jupyter notebook that can be read (no list of cells)")
    found = []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(str(part) for part in source)
        if not isinstance(source, str):
            raise NotebookError(f"cell {number} has no readable source")
        found.append((number, source))
    return found


def _neutralise_plotting(lines: list[str], dropped: set[str]) -> tuple[list[str], int]:
    """Turn into `pass` the top-level plotting imports (matplotlib, IPython, google.colab,
    ipywidgets, ...) and every top-level statement that uses a name they bound, or a name
    bound by a statement so dropped (`slider = widgets.FloatSlider()`, `display(slider)`).
    dropped carries those names from cell to cell.

    A cell that is not valid Python is left as it is: the student sees the SyntaxError."""
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return lines, 0
    count = 0
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue  # a definition runs nothing yet: keep it
        if _is_plotting_import(node):
            dropped.update(_bound_names(node))
        elif not (_used_names(node) & dropped):
            continue
        else:
            dropped.update(_bound_names(node))
        if node.end_lineno is None:
            continue
        # Same number of lines, so that tracebacks keep their line numbers.
        first = node.lineno - 1
        lines[first] = " " * node.col_offset + "pass  # qbank: plotting line not run"
        for line in range(first + 1, node.end_lineno):
            lines[line] = "# (continued)"
        count += 1
    return lines, count


def _is_plotting_import(node: ast.stmt) -> bool:
    if isinstance(node, ast.Import):
        names: list[str | None] = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom):
        names = [node.module]
    else:
        return False
    return any(
        name is not None and (name == m or name.startswith(m + "."))
        for name in names
        for m in PLOTTING_MODULES
    )


def _bound_names(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _used_names(node: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _top_level_functions(text: str) -> list[str]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def is_notebook(name: str) -> bool:
    return name.endswith(".ipynb")


CHECK_CELL = '''# Run this cell to check your function on the public cases: no qbank needed.
# (The hidden cases are used only when your work is graded.)
import json

import numpy as np

CASES = json.loads(r"""{cases}""")
ARG_TYPES = {arg_types!r}
TOLERANCE = {tolerance!r}


def _argument(name, value):
    kind = ARG_TYPES.get(name, "float64")
    if kind == "raw" or not isinstance(value, list):
        return value
    return np.array(value, dtype=kind)


def _expected(value):
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(_expected(v) for v in value["__tuple__"])
    return value


def _close(got, want, tol):
    if isinstance(want, tuple):
        return (
            isinstance(got, (tuple, list))
            and len(got) == len(want)
            and all(_close(g, w, tol) for g, w in zip(got, want))
        )
    try:
        g, w = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    except (TypeError, ValueError):
        return False
    return g.shape == w.shape and bool(
        np.allclose(g, w, rtol=tol["rtol"], atol=tol["atol"], equal_nan=True)
    )


passed = 0
for case in CASES:
    arguments = {{k: _argument(k, v) for k, v in case["args"].items()}}
    given = case.get("tolerance") or {{}}
    tolerance = {{**TOLERANCE, **{{k: v for k, v in given.items() if v is not None}}}}
    try:
        ok = _close({function}(**arguments), _expected(case["expected"]), tolerance)
    except Exception as exc:
        ok = False
        print(f"{{case['name']}}: raised {{type(exc).__name__}}: {{exc}}")
    passed += ok
    print(("PASS " if ok else "FAIL ") + case["name"])
print(f"{{passed}}/{{len(CASES)}} public cases passed")
'''


def starter_notebook(task: dict[str, object]) -> bytes:
    """A Colab-ready notebook for a code task as `qbank bundle --student` writes it (public
    cases only, with expected values): the statement in both languages, the starter, and a
    cell that checks the public cases without qbank. No local path is written into it."""
    import json

    import nbformat

    from questionbank.models import CodeTolerance

    prompt = task.get("prompt")
    texts = prompt if isinstance(prompt, dict) else {"": prompt}
    statement = [f"# {task['id']}"]
    for lang, label in (("en", "English"), ("zh-TW", "中文"), ("", "")):
        if lang in texts:
            statement.append((f"**{label}**\n\n" if label else "") + str(texts[lang]).strip())
    check = CHECK_CELL.format(
        cases=json.dumps(
            [
                {k: case[k] for k in ("name", "args", "expected", "tolerance") if k in case}
                for case in task["cases"]  # type: ignore[attr-defined]
            ],
            ensure_ascii=False,
        ),
        arg_types=dict(task.get("arg_types") or {}),  # type: ignore[call-overload]
        # Written without their defaults in a bundle: fill them in.
        tolerance={**CodeTolerance().model_dump(), **dict(task["tolerance"])},  # type: ignore[call-overload]
        function=task["function"],
    )
    book = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    book.metadata["language_info"] = {"name": "python"}
    book.cells = [
        nbformat.v4.new_markdown_cell("\n\n".join(statement)),  # type: ignore[no-untyped-call]
        nbformat.v4.new_code_cell(str(task["starter"]).rstrip("\n")),  # type: ignore[no-untyped-call]
        nbformat.v4.new_code_cell(check.rstrip("\n")),  # type: ignore[no-untyped-call]
    ]
    for cell, name in zip(book.cells, ("statement", "starter", "check"), strict=True):
        cell["id"] = name  # fixed ids: the same task gives the same file, byte for byte
    text: str = nbformat.writes(book)  # type: ignore[no-untyped-call]
    return text.encode("utf-8")
