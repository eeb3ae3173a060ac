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

BROKEN = {
    "argmax": ("if (values[i] > values[best]) best = i;", "if (values[i] >= values[best]) best = i;"),
    "compute_features": ("float sum = raw[0] + raw[1] + raw[2];", "float sum = raw[0] + raw[1] + 1;"),
    "quantize": ("  if (q < -128) q = -128;\n  if (q > 127) q = 127;\n", ""),
    "dequantize": ("return (q - zero_point) * scale;", "return (q + zero_point) * scale;"),
}
ORDER = ["compute_features", "argmax", "quantize", "dequantize"]
CANDIDATES = {"semantic.wrong_input": ["compute_features", "quantize"],
              "semantic.wrong_output": ["argmax", "dequantize"]}
MAX_ATTEMPTS = 5


def sketch(base, bugs):
    s = base
    for b in bugs:
        old, new = BROKEN[b]
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
            if fn in BROKEN:
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
            return attempt, ("passed" if not remaining else "passed with " + ", ".join(sorted(remaining)) + " wrong")
        if contracts:
            targets = named_functions(doc) or [n for n in ORDER if n not in rewritten][:1]
        else:
            pool = CANDIDATES.get(first_code(doc), ORDER)
            targets = [n for n in pool + ORDER if n not in rewritten][:1]
        for t in targets:
            rewritten.add(t)
            remaining.discard(t)
    return MAX_ATTEMPTS, "failed after %d attempts" % MAX_ATTEMPTS


def main(argv):
    binary, root = argv[1], argv[2]
    base = open(os.path.join(root, "tests/data/contracts/sg_pass.ino")).read()
    with tempfile.TemporaryDirectory(prefix="contract-repair-") as work:
        project = os.path.join(work, "fruit.yaml")
        with open(project, "w") as f:
            f.write("version: 1\npaths:\n  work_dir: %s/work\ndataset:\n  raw_csv: %s/examples/fruit/data/fruit.csv\n"
                    "  classes: [apple, banana, orange]\n" % (work, root))
        scenarios = [[b] for b in ORDER] + [list(p) for p in itertools.combinations(ORDER, 2)]
        print("| wrong functions | plain feedback: attempts, verdict | counterexamples: attempts, verdict |")
        print("|---|---|---|")
        tot_plain = tot_unit = 0
        latent = 0
        for bugs in scenarios:
            pa, pv = session(binary, project, base, bugs, False, work)
            ua, uv = session(binary, project, base, bugs, True, work)
            tot_plain += pa
            tot_unit += ua
            latent += pv.startswith("passed with")
            print("| %s | %d, %s | %d, %s |" % (" + ".join(bugs), pa, pv, ua, uv))
        n = len(scenarios)
        print()
        print("scenarios %d; mean attempts: plain %.2f, counterexamples %.2f (saved %.2f per session, ratio %.2fx);"
              " plain sessions that ended 'passed' with a wrong function: %d" %
              (n, tot_plain / n, tot_unit / n, (tot_plain - tot_unit) / n, tot_plain / max(1, tot_unit), latent))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
