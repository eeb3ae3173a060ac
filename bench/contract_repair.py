"""Scripted repair sessions: plain feedback against the unit layer's counterexamples.

The artifact is tests/data/contracts/sg_pass.ino with one or two of its contract functions
broken (the same breakages tests/cli/contracts_validate_test.cc uses). A scripted "model" repairs
it attempt by attempt, up to the study's limit of 5 attempts:

- plain feedback (contracts off: static -> build -> run -> semantic): the diagnostics name a
  taxonomy code, not a function. The model rewrites one function per attempt, the first one it
  has not rewritten yet among those the code can point at (semantic.wrong_input: the features,
  then quantize; semantic.wrong_output: argmax, then dequantize; anything else: all four in
  order). A rewrite of a function that was right is a wasted attempt.
- counterexamples (contracts on: ... build -> unit -> run -> semantic): the unit layer names every
  wrong function; the model rewrites exactly those.

The scripted model is an idealised reader of the feedback, not an LLM: the numbers show what the
feedback makes possible, and the verdict each mode ends with (a plain session can end "passed"
with a bug the board's scenario never exercises).
"""
import itertools
import json
import os
import subprocess
import sys
import tempfile

# Each breakage: (function, original text, broken text). "latent" ones do not change the class the
# fruit scenario's samples get, so whole-program checks cannot see them.
BROKEN = {
    "argmax: the minimum": ("argmax", "if (values[i] > values[best]) best = i;", "if (values[i] < values[best]) best = i;"),
    "argmax: ties to the last (latent)": ("argmax", "if (values[i] > values[best]) best = i;", "if (values[i] >= values[best]) best = i;"),
    "compute_features: two channels": ("compute_features", "float sum = raw[0] + raw[1] + raw[2];", "float sum = raw[0] + raw[1] + 1;"),
    "quantize: x * scale": ("quantize", "long q = lroundf(x / scale) + zero_point;", "long q = lroundf(x * scale) + zero_point;"),
    "quantize: no saturation (latent)": ("quantize", "  if (q < -128) q = -128;\n  if (q > 127) q = 127;\n", ""),
    "dequantize: zero point's sign (latent)": ("dequantize", "return (q - zero_point) * scale;", "return (q + zero_point) * scale;"),
}
ORDER = ["compute_features", "argmax", "quantize", "dequantize"]
CANDIDATES = {"semantic.wrong_input": ["compute_features", "quantize"],
              "semantic.wrong_output": ["argmax", "dequantize"]}
MAX_ATTEMPTS = 5


def sketch(base, bugs):
    s = base
    for b in bugs:
        _, old, new = BROKEN[b]
        assert old in s, b
        s = s.replace(old, new)
    return s


def validate(binary, project, path, contracts):
    args = [binary, "--json", "validate", "--stage", "sg", "--project", project, path]
    if contracts:
        args.append("--contracts")
    out = subprocess.run(args, capture_output=True, text=True, timeout=300)
    return json.loads(out.stdout)


def named_functions(doc):
    names = []
    for layer in doc["layers"]:
        if layer["layer"] != "unit":
            continue
        for d in layer["diagnostics"]:
            fn = d["message"].split(" ", 1)[0]
            if fn in ORDER:
                names.append(fn)
    return names


def first_code(doc):
    for layer in doc["layers"]:
        if not layer["passed"]:
            for d in layer["diagnostics"]:
                if d["code"] not in ("note", "warning"):
                    return d["code"]
    return ""


def session(binary, project, base, bugs, contracts, work):
    remaining = set(bugs)
    rewritten = set()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        path = os.path.join(work, "s%d_%d.ino" % (attempt, contracts))
        with open(path, "w") as f:
            f.write(sketch(base, sorted(remaining)))
        doc = validate(binary, project, path, contracts)
        if doc["passed"]:
            return attempt, ("passed" if not remaining else
                             "passed with " + ", ".join(sorted({BROKEN[b][0] for b in remaining})) + " wrong")
        if contracts:
            targets = named_functions(doc) or [n for n in ORDER if n not in rewritten][:1]
        else:
            pool = CANDIDATES.get(first_code(doc), ORDER)
            targets = [n for n in pool + ORDER if n not in rewritten][:1]
        for t in targets:
            rewritten.add(t)
            remaining = {b for b in remaining if BROKEN[b][0] != t}
    return MAX_ATTEMPTS, "failed after %d attempts" % MAX_ATTEMPTS


def main(argv):
    binary, root = argv[1], argv[2]
    base = open(os.path.join(root, "tests/data/contracts/sg_pass.ino")).read()
    with tempfile.TemporaryDirectory(prefix="contract-repair-") as work:
        project = os.path.join(work, "fruit.yaml")
        with open(project, "w") as f:
            f.write("version: 1\npaths:\n  work_dir: %s/work\ndataset:\n  raw_csv: %s/examples/fruit/data/fruit.csv\n"
                    "  classes: [apple, banana, orange]\n" % (work, root))
        names = list(BROKEN)
        scenarios = [[b] for b in names] + [list(p) for p in itertools.combinations(names, 2)
                                            if BROKEN[p[0]][0] != BROKEN[p[1]][0]]
        print("| wrong functions | plain feedback: attempts, verdict | counterexamples: attempts, verdict |")
        print("|---|---|---|")
        rows = []
        for bugs in scenarios:
            pa, pv = session(binary, project, base, bugs, False, work)
            ua, uv = session(binary, project, base, bugs, True, work)
            rows.append((bugs, pa, pv, ua, uv))
            print("| %s | %d, %s | %d, %s |" % (" + ".join(bugs), pa, pv, ua, uv))
        print()
        seen = [r for r in rows if not any("(latent)" in b for b in r[0])]
        for label, part in (("every scenario", rows), ("scenarios the whole-program checks can see (no latent breakage)", seen)):
            n = len(part)
            plain = sum(r[1] for r in part)
            unit = sum(r[3] for r in part)
            plain_ok = sum(r[2] == "passed" for r in part)
            unit_ok = sum(r[4] == "passed" for r in part)
            print("%s: %d; mean attempts plain %.2f, counterexamples %.2f (%.2f saved per session); "
                  "sessions ending with every function right: plain %d/%d, counterexamples %d/%d" %
                  (label, n, plain / n, unit / n, (plain - unit) / n, plain_ok, n, unit_ok, n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
