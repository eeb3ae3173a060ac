"""Driver of bench/board_fidelity (see there). Needs only the standard library."""
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

binary, corpus, scenario, jobs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
work = tempfile.mkdtemp(prefix="board-fidelity-")
subprocess.run([binary, "board", "study-model", "--out", work], check=True, stdout=subprocess.DEVNULL)
header = os.path.join(work, "model.h")

items = []
with open(os.path.join(corpus, "manifest.jsonl")) as f:
    for line in f:
        d = json.loads(line)
        if d["group"] == "sg_sketches" and d.get("label_confidence") == "exact":
            items.append(d)


def build(item):
    t = time.monotonic()
    p = subprocess.run([binary, "--json", "board", "build", os.path.join(corpus, item["file"]),
                        "--model-header", header], capture_output=True, text=True)
    ms = (time.monotonic() - t) * 1000
    try:
        doc = json.loads(p.stdout)
    except json.JSONDecodeError:
        return item, None, ms, p.stderr
    return item, doc, ms, ""


with ThreadPoolExecutor(jobs) as pool:
    results = list(pool.map(build, items))

matrix = {("pass", True): 0, ("pass", False): 0, ("fail", True): 0, ("fail", False): 0}
disagreements = []
skipped = []
for item, doc, ms, err in results:
    if doc is None or "compiled" not in doc:
        print(f"TOOL ERROR {item['id']}: {err.strip()[:200]}")
        continue
    if item["outcome_detail"] not in ("compiled", "compile_error"):
        skipped.append((item, doc))
        continue
    real = item["outcome"]
    matrix[(real, doc["compiled"])] += 1
    if (real == "pass") != doc["compiled"]:
        first = next((d for d in doc["diagnostics"] if d["severity"] in ("error", "fatal error")), None)
        ours = f"{first['line']}: {first['message']}" if first else "compiled"
        disagreements.append((item, ours))

real_pass = matrix[("pass", True)] + matrix[("pass", False)]
real_fail = matrix[("fail", True)] + matrix[("fail", False)]
print("compile verdict fidelity on sg_sketches (label exact)")
print(f"{'':18}{'ours: compiled':>16}{'ours: failed':>14}{'agreement':>11}")
print(f"{'real: compiled':18}{matrix[('pass', True)]:>16}{matrix[('pass', False)]:>14}"
      f"{100.0 * matrix[('pass', True)] / max(real_pass, 1):>10.1f}%")
print(f"{'real: failed':18}{matrix[('fail', True)]:>16}{matrix[('fail', False)]:>14}"
      f"{100.0 * matrix[('fail', False)] / max(real_fail, 1):>10.1f}%")
total = real_pass + real_fail
print(f"overall agreement {matrix[('pass', True)] + matrix[('fail', False)]}/{total}")
for item, doc in skipped:
    print(f"not a compile verdict (excluded): {item['id']} ({item['outcome_detail']}); ours compiled={doc['compiled']}")
print(f"\ndisagreements ({len(disagreements)}):")
for item, ours in disagreements:
    real = (item.get("error_key_line") or "compiled")[:110]
    print(f"  {item['id']}\n      real: {real}\n      ours: {ours[:110]}")

# Run every compiled sketch against the fruit scenario; time build+run of each.
print("\nruns of the sketches that compiled (fruit scenario, study-equivalent float model):")
compiled = [item for item, doc, _, _ in results if doc and doc.get("compiled")]


def run(item):
    t = time.monotonic()
    p = subprocess.run([binary, "--json", "board", "run", os.path.join(corpus, item["file"]),
                        "--model-header", header, "--scenario", scenario], capture_output=True, text=True)
    ms = (time.monotonic() - t) * 1000
    try:
        return item, json.loads(p.stdout), ms
    except json.JSONDecodeError:
        return item, {"verdict": "tool-error", "codes": [], "reason": p.stderr.strip()[:200]}, ms


timings = []
for item in compiled:
    item, doc, ms = run(item)
    timings.append(ms)
    samples = " ".join(s["verdict"].replace("semantic.", "") for s in doc.get("samples", []))
    print(f"  {item['id'][3:]:48} {doc['verdict']:5} {','.join(doc.get('codes', []))}\n"
          f"      {doc.get('reason', '')} | samples: {samples}")
timings.sort()
if timings:
    med = timings[len(timings) // 2]
    p90 = timings[min(len(timings) - 1, int(0.9 * len(timings)))]
    print(f"\nbuild+run wall time per sketch (n={len(timings)}): median {med:.0f} ms, p90 {p90:.0f} ms")
build_ms = sorted(ms for _, doc, ms, _ in results if doc)
print(f"build-only wall time per sketch (n={len(build_ms)}, {jobs} parallel): median "
      f"{build_ms[len(build_ms) // 2]:.0f} ms, p90 {build_ms[int(0.9 * len(build_ms))]:.0f} ms")
