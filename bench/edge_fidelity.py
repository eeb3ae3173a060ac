"""Driver of bench/edge_fidelity (see there). Needs only the standard library."""
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

binary, corpus, jobs, frames, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
work = tempfile.mkdtemp(prefix="edge-fidelity-")
subprocess.run([binary, "edge", "example", work, "--frames", str(max(frames, 24))], check=True,
               stdout=subprocess.DEVNULL)
model = "models/ssd-mobilenet_v1/detect.tflite"
labels = "models/ssd-mobilenet_v1/labelmap.txt"
video = "data/object_detection/sheeps.mp4"

# The study's paths (reference_anatomy.md §1.3): relative on the Pi, /home/mendel on the Coral.
projects = {
    "psg": ("raspberry_pi_4b", {"model": (model, model), "labels": (labels, labels), "input": (video, video)},
            "results/object_detection/test_results/sheeps_detections.mp4"),
    "tpusg": ("coral_dev_board", {"model": (model, "/home/mendel/tinyml_autopilot/models/edgetpu_detect.tflite"),
                                  "labels": (labels, "/home/mendel/tinyml_autopilot/models/labelmap.txt"),
                                  "input": (video, "/home/mendel/tinyml_autopilot/data/sheeps.mp4")},
              "/home/mendel/tinyml_autopilot/results/sheeps_detections.mp4"),
}
for stage, (device, files, output) in projects.items():
    with open(os.path.join(work, stage + ".yaml"), "w") as f:
        f.write("version: 1\npaths:\n  work_dir: %s/work\nsandbox:\n  timeout_s: 60\nedge:\n  device: %s\n" % (work, device))
        for key, (local, as_path) in files.items():
            f.write("  %s: {file: %s, as: %s}\n" % (key, local, as_path))
        f.write("  output: %s\n  threshold: 0.5\n  validation_frames: %d\n" % (output, frames))

groups = {"py_inference_cpu_psg": "psg", "py_inference_tpu_tpusg": "tpusg"}
items = []
with open(os.path.join(corpus, "manifest.jsonl")) as f:
    for line in f:
        d = json.loads(line)
        if d["group"] in groups and d.get("label_confidence") == "exact" and \
                d.get("outcome_detail") not in ("harness_induced_runtime_error", "output_format_rejected"):
            items.append(d)
if limit:
    items = items[:limit]


def validate(item):
    stage = groups[item["group"]]
    t = time.monotonic()
    p = subprocess.run([binary, "--json", "validate", "--stage", stage, "--project",
                        os.path.join(work, stage + ".yaml"), os.path.join(corpus, item["file"])],
                       capture_output=True, text=True)
    ms = (time.monotonic() - t) * 1000
    try:
        return item, json.loads(p.stdout), ms
    except json.JSONDecodeError:
        return item, {"error": p.stderr.strip()[:300]}, ms


t0 = time.monotonic()
with ThreadPoolExecutor(jobs) as pool:
    results = list(pool.map(validate, items))
wall = time.monotonic() - t0

for stage in ("psg", "tpusg"):
    rows = [(i, d, ms) for i, d, ms in results if groups[i["group"]] == stage]
    if not rows:
        continue
    matrix = collections.Counter()
    semantic = collections.Counter()
    disagree = []
    times = sorted(ms for _, _, ms in rows)
    for item, doc, ms in rows:
        if "layers" not in doc:
            print("TOOL ERROR %s: %s" % (item["id"], doc.get("error", doc)))
            continue
        layers = {l["layer"]: l for l in doc["layers"]}
        ran = all(layers.get(k, {}).get("passed", False) for k in ("format", "static", "run"))
        matrix[(item["outcome"], ran)] += 1
        if ran and "semantic" in layers:
            codes = [d["code"] for d in layers["semantic"]["diagnostics"] if d["code"] != "warning"]
            semantic[codes[0] if codes else "pass"] += 1
        if (item["outcome"] == "pass") != ran:
            failed = next((l for l in doc["layers"] if not l["passed"]), None)
            ours = "%s %s: %s" % (failed["layer"], failed["diagnostics"][0]["code"],
                                  failed["diagnostics"][0]["message"][:160]) if failed else "ran"
            real = (item.get("error_text") or "")[-160:].replace("\n", " | ")
            disagree.append((item["id"], item["outcome"], ours, real))
    rp = matrix[("pass", True)] + matrix[("pass", False)]
    rf = matrix[("fail", True)] + matrix[("fail", False)]
    print("\n%s: run verdict fidelity (label exact, harness-induced failures excluded), %d items" % (stage, rp + rf))
    print("%-14s%12s%12s%11s" % ("", "ours: ran", "ours: fail", "agreement"))
    print("%-14s%12d%12d%10.1f%%" % ("real: ran", matrix[("pass", True)], matrix[("pass", False)],
                                     100.0 * matrix[("pass", True)] / max(rp, 1)))
    print("%-14s%12d%12d%10.1f%%" % ("real: failed", matrix[("fail", True)], matrix[("fail", False)],
                                     100.0 * matrix[("fail", False)] / max(rf, 1)))
    print("overall agreement %.1f%%; median %.0f ms per item" % (
        100.0 * (matrix[("pass", True)] + matrix[("fail", False)]) / max(rp + rf, 1), times[len(times) // 2]))
    print("semantic verdict on the scripts that ran: " +
          ", ".join("%s %d" % (k, v) for k, v in semantic.most_common()))
    for d in disagree:
        print("  DISAGREE %s real=%s ours=[%s] real_error=[%s]" % d)
print("\n%d items in %.0f s with %d jobs" % (len(results), wall, jobs))
