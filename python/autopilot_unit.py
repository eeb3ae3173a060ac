"""The unit layer's driver for Python stages (docs/contracts.md).

    python3 autopilot_unit.py SCRIPT CASES.json RESULTS.json

Imports SCRIPT without running its main body and calls the contract's functions on the cases.
How the script is imported: its module-level statements run one at a time, in order, but only
those that define something without doing work: imports, function and class definitions,
assignments whose value calls nothing but constructors of plain values (list, dict, np.array,
math.sqrt, ...), and try blocks made of imports (import fallbacks). Everything else -- the
`if __name__ == "__main__":` block, top-level loops, reading files, creating an interpreter or
a capture -- is skipped, whether or not the script has a main guard, so a script without one is
tested the same way. A kept statement that raises is recorded and skipped.

References that need OpenCV (the edge stages' preprocess) are computed before the script is
imported, so nothing the script does at import time can change them.

Runs inside the tool's sandbox like every generated script; this file is trusted, the script is
not.
"""

import ast
import io
import json
import math
import os
import signal
import sys
import traceback

CALL_SECONDS = 10
SAFE_CALLS = {"list", "tuple", "dict", "set", "frozenset", "float", "int", "str", "bool", "range", "sorted",
              "len", "min", "max", "abs", "round", "sum", "zip", "enumerate", "reversed", "bytes", "object"}
SAFE_MODULES = {"numpy", "np", "math", "os.path", "collections", "re", "pathlib", "typing", "dataclasses"}


def _root_name(node):
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _pure_value(node, module_aliases):
    for sub in ast.walk(node):
        if isinstance(sub, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
            return False
        if isinstance(sub, ast.Call):
            f = sub.func
            if isinstance(f, ast.Name) and f.id in SAFE_CALLS:
                continue
            if isinstance(f, ast.Attribute):
                dotted = _dotted(f) or ""
                root = _root_name(f)
                real = module_aliases.get(root, root)
                if real in SAFE_MODULES or dotted.startswith("os.path."):
                    if not dotted.startswith(("np.load", "numpy.load", "np.genfromtxt", "numpy.genfromtxt",
                                              "np.fromfile", "numpy.fromfile", "np.save", "numpy.save")):
                        continue
            return False
    return True


def _keep(node, module_aliases):
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        value = node.value
        return value is None or _pure_value(value, module_aliases)
    if isinstance(node, ast.Try):
        return all(isinstance(s, (ast.Import, ast.ImportFrom, ast.Pass, ast.Assign)) for s in node.body)
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return True  # a docstring
    return False


def load(path):
    """The script's module namespace and what loading it skipped or could not run."""
    with open(path, encoding="utf-8", errors="replace") as f:
        source = f.read()
    tree = ast.parse(source, filename="script.py")
    ns = {"__name__": "autopilot_candidate", "__file__": os.path.abspath(path), "__builtins__": __builtins__}
    aliases = {}
    skipped, failed = [], []
    for node in tree.body:
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[(a.asname or a.name).split(".")[0]] = a.name
        if not _keep(node, aliases):
            skipped.append(node.lineno)
            continue
        code = compile(ast.Module(body=[node], type_ignores=[]), "script.py", "exec")
        out = io.StringIO()
        old = sys.stdout
        sys.stdout = out
        try:
            exec(code, ns)
        except BaseException as e:  # noqa: BLE001 - the script's statement, contained
            failed.append({"line": node.lineno, "type": type(e).__name__, "message": str(e)[:300]})
        finally:
            sys.stdout = old
    return ns, skipped, failed


# --- values ------------------------------------------------------------------------------------

def decode(v):
    import numpy as np
    if isinstance(v, dict):
        if "$nd" in v:
            a = v["$nd"]
            return np.array(a["data"], dtype=a["dtype"]).reshape(a["shape"])
        if "$df" in v:
            import pandas as pd
            return pd.DataFrame(v["$df"]["rows"], columns=v["$df"]["columns"])
        if "$frame" in v:
            return make_frame(v["$frame"])
        return {k: decode(x) for k, x in v.items()}
    if isinstance(v, list):
        return [decode(x) for x in v]
    return v


def make_frame(spec):
    import numpy as np
    shape = (int(spec["height"]), int(spec["width"]), 3)
    if "fill" in spec:
        return np.full(shape, spec["fill"], dtype=np.uint8)
    return np.random.default_rng(int(spec["seed"])).integers(0, 256, shape, dtype=np.uint8)


def _num(x):
    x = float(x)
    return x if math.isfinite(x) else None


def encode(v, depth=0, limit=100000):
    import numpy as np
    if depth > 6:
        return {"$repr": repr(v)[:200]}
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return _num(v)
    if isinstance(v, np.ndarray):
        out = {"dtype": str(v.dtype), "shape": list(v.shape)}
        if v.dtype.kind in "biuf" and v.dtype.itemsize <= 8:
            out["hex"] = np.ascontiguousarray(v).astype(v.dtype.newbyteorder("<")).tobytes().hex()
        else:
            out["data"] = [encode(x, depth + 1) for x in v.reshape(-1)[:1000]]
        return {"$nd": out}
    try:
        import pandas as pd
        if isinstance(v, pd.DataFrame):
            rows = []
            for row in v.itertuples(index=False, name=None):
                rows.append([encode(x, depth + 1) for x in row])
            return {"$df": {"columns": [str(c) for c in v.columns], "rows": rows}}
        if isinstance(v, pd.Series):
            return {"$series": {"index": [encode(x, depth + 1) for x in v.index], "values": [encode(x, depth + 1) for x in v]}}
    except ImportError:
        pass
    if isinstance(v, (list, tuple)):
        return [encode(x, depth + 1) for x in v]
    if isinstance(v, dict):
        return {"$dict": {str(k): encode(x, depth + 1) for k, x in v.items()}}
    if hasattr(v, "__next__") or hasattr(v, "__iter__") and not isinstance(v, (bytes, bytearray)):
        items, more = [], False
        for i, x in enumerate(v):
            if i >= limit:
                more = True
                break
            items.append(encode(x, depth + 1))
        return {"$gen": items, "more": more}
    return {"$repr": repr(v)[:200]}


# --- references (computed before the script is loaded) --------------------------------------

def edge_preprocess_reference(frame, model):
    import cv2
    import numpy as np
    h, w = int(model["height"]), int(model["width"])

    def cast(img):
        if model["dtype"] == "uint8":
            return img.astype(np.uint8)
        if model["dtype"] == "int8":
            scale = float(model.get("scale") or 1.0 / 128)
            zp = int(model.get("zero_point") or 0)
            real = (img.astype(np.float32) - 127.5) / 127.5
            return np.clip(np.round(real / scale) + zp, -128, 127).astype(np.int8)
        return (img.astype(np.float32) - 127.5) / 127.5

    rgb = cv2.resize(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), (w, h))
    bgr = cv2.resize(frame, (w, h))
    return cast(rgb)[np.newaxis, ...], cast(bgr)[np.newaxis, ...]


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def _script_line(tb):
    line = 0
    for fr in traceback.extract_tb(tb):
        if fr.filename == "script.py":
            line = fr.lineno
    return line


def main(argv):
    if len(argv) != 4:
        print("usage: autopilot_unit.py SCRIPT CASES.json RESULTS.json", file=sys.stderr)
        return 2
    script, cases_path, results_path = argv[1], argv[2], argv[3]
    with open(cases_path, encoding="utf-8") as f:
        spec = json.load(f)
    # References first: nothing the script does can reach them.
    expected = {}
    for fn in spec["functions"]:
        for i, case in enumerate(fn["cases"]):
            exp = case.get("expected")
            if isinstance(exp, dict) and exp.get("$reference") == "edge_preprocess":
                want, swapped = edge_preprocess_reference(decode(case["argv"][0]), exp["model"])
                expected[(fn["name"], i)] = {"expected": encode(want), "swapped": encode(swapped)}
    doc = {"functions": {}}
    try:
        ns, skipped, failed = load(script)
    except SyntaxError as e:
        doc["load"] = {"syntax": {"line": e.lineno or 0, "message": str(e)}}
        with open(results_path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        return 0
    doc["load"] = {"skipped_lines": skipped, "failed": failed}
    signal.signal(signal.SIGALRM, _alarm)
    for fn in spec["functions"]:
        name = fn["name"]
        obj = ns.get(name)
        entry = {"defined": callable(obj), "results": []}
        if obj is not None and not callable(obj):
            entry["not_callable"] = type(obj).__name__
        doc["functions"][name] = entry
        if not callable(obj):
            continue
        for i, case in enumerate(fn["cases"]):
            res = {}
            out = io.StringIO()
            old = sys.stdout
            sys.stdout = out
            signal.setitimer(signal.ITIMER_REAL, CALL_SECONDS)
            try:
                value = obj(*[decode(a) for a in case["argv"]])
                if fn.get("materialize"):
                    # A generator (or list) of samples: at most `materialize` of them are taken.
                    if isinstance(value, (list, tuple)):
                        value = {"$gen": [encode(x) for x in value[:int(fn["materialize"])]],
                                 "more": len(value) > int(fn["materialize"])}
                    else:
                        value = encode(value, limit=int(fn["materialize"]))
                else:
                    value = encode(value)
                res = {"ok": True, "value": value}
            except _Timeout:
                res = {"ok": False, "type": "timeout", "message": "no result in %d s" % CALL_SECONDS}
            except BaseException as e:  # noqa: BLE001 - the script's failure, reported
                res = {"ok": False, "type": type(e).__name__, "message": str(e)[:300], "line": _script_line(e.__traceback__)}
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                sys.stdout = old
            if (name, i) in expected:
                res["expected"] = expected[(name, i)]
            entry["results"].append(res)
            # Written after every case: a crash still leaves the earlier results.
            with open(results_path, "w", encoding="utf-8") as f:
                json.dump(doc, f)
    with open(results_path, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
