#!/usr/bin/env python3
"""Executes the notebooks against one run directory and says what each of their cells showed.

    python notebooks/execute.py --run-dir runs/demo [--out DIR] [--set NAME=PYTHON_LITERAL]... [NOTEBOOK...]

Each notebook (all of notebooks/*.ipynb by default) runs from top to bottom in a fresh Python
kernel (nbclient), with a cell after its "parameters" cell that sets RUN_DIR (and each --set),
as papermill does. The executed copies go to --out when given. One JSON line per notebook goes to
stdout: its name, the error of the cell that failed (null when every cell ran), and for each cell
tagged "shows:<what>" the figures (PNG images), tables (HTML tables) and text it put out. The exit
status is 1 when any notebook failed.
"""
import argparse
import ast
import json
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = Path(__file__).resolve().parent


def parameters(run_dir, sets):
    lines = ["# Parameters injected by execute.py", f"RUN_DIR = {str(run_dir)!r}"]
    for s in sets:
        name, _, value = s.partition("=")
        ast.literal_eval(value)  # a Python literal, or a SyntaxError/ValueError names it
        lines.append(f"{name} = {value}")
    return "\n".join(lines)


def shown(cell):
    """What a cell put out: PNG figures, HTML tables and the text of its streams and results."""
    images = tables = 0
    text = []
    for o in cell.get("outputs", []):
        data = o.get("data", {})
        if "image/png" in data:
            images += 1
        if "<table" in data.get("text/html", ""):
            tables += 1
        if o.get("output_type") == "stream":
            text.append(o.get("text", ""))
        elif "text/plain" in data and "image/png" not in data:
            text.append(data["text/plain"])
    return {"images": images, "tables": tables, "text": "".join(text)[:4000]}


def execute(path, run_dir, sets, out_dir, timeout):
    nb = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    injected = nbformat.v4.new_code_cell(parameters(run_dir, sets))
    injected.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(at + 1, injected)
    error = None
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    except CellExecutionError as e:
        error = str(e)[-3000:]
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out_dir / path.name)
    shows = {}
    for c in nb.cells:
        for t in c.metadata.get("tags", []):
            if t.startswith("shows:"):
                shows[t[len("shows:"):]] = shown(c)
    return {"notebook": path.name, "error": error, "shows": shows}


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run-dir", required=True, type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--set", action="append", default=[], dest="sets")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    ap.add_argument("notebooks", nargs="*", type=Path)
    a = ap.parse_args(argv)
    # Inline figures (ipykernel's default backend) are what a notebook shows; a headless
    # MPLBACKEND such as Agg would draw nothing into the outputs.
    os.environ.pop("MPLBACKEND", None)
    books = a.notebooks or sorted(HERE.glob("*.ipynb"))
    failed = False
    for b in books:
        r = execute(b.resolve(), a.run_dir.resolve(), a.sets, a.out, a.timeout)
        failed = failed or r["error"] is not None
        print(json.dumps(r, ensure_ascii=False), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
