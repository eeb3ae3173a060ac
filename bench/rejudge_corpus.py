"""Driver of bench/rejudge_corpus (see there). Needs only the standard library."""
import collections
import csv
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import hashlib

binary, corpus, repo = sys.argv[1], sys.argv[2], sys.argv[3]
jobs = os.environ.get("JOBS", "2")
stages = os.environ.get("STAGES", "dp mc sg psg tpusg").split()
caps = {"sg": int(os.environ.get("SG_RUNS", "0")), "psg": int(os.environ.get("EDGE_RUNS", "0")),
        "tpusg": int(os.environ.get("EDGE_RUNS", "0"))}
work = os.environ.get("KEEP") or tempfile.mkdtemp(prefix="rejudge-corpus-")
os.makedirs(work, exist_ok=True)
os.chmod(work, 0o755)
groups = {"py_data_processing_dp": "dp", "py_model_conversion_mc": "mc", "sg_sketches": "sg",
          "py_inference_cpu_psg": "psg", "py_inference_tpu_tpusg": "tpusg"}


def run(args, **kw):
    return subprocess.run([binary] + args, check=True, capture_output=True, text=True, **kw)


# --- The study folder: the prototype's layout, filled with this project's own synthetic data. ---
study = os.path.join(work, "study")
sample = os.path.join(study, "data/fruit_to_emoji/SampleData")
os.makedirs(sample, exist_ok=True)
os.makedirs(os.path.join(study, "models/fruit_to_emoji/og_model"), exist_ok=True)
raw = os.path.join(work, "fruit.csv")
run(["data", "synth", "fruit", "--rows", "600", "--seed", "7", "-o", raw])
by_class = collections.defaultdict(list)
with open(raw) as f:
    for r in csv.DictReader(f):
        total = float(r["red"]) + float(r["green"]) + float(r["blue"])
        if total <= 0:
            continue
        by_class[r["label"]].append([round(float(r[c]) / total, 3) for c in ("red", "green", "blue")])
# The study's files: per-class Red,Green,Blue ratios; fruit_data.csv = Fruit,Red,Green,Blue in the
# order orange, apple, banana (reference_anatomy.md §4).
with open(os.path.join(sample, "fruit_data.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["Fruit", "Red", "Green", "Blue"])
    for fruit in ("orange", "apple", "banana"):
        for row in by_class[fruit][:90]:
            w.writerow([fruit] + row)
for fruit in ("orange", "apple", "banana"):
    with open(os.path.join(sample, fruit + ".csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Red", "Green", "Blue"])
        w.writerows(by_class[fruit][:90])
# No TensorFlow here to write a real Keras model: an empty stand-in lets the scripts run up to
# their first TensorFlow call, which this machine cannot answer (re-judged as unavailable).
keras = os.path.join(study, "models/fruit_to_emoji/og_model/model.keras")
if not os.path.exists(keras):
    open(keras, "wb").close()
run(["board", "study-model", "--out", study])

# --- Projects: the fruit example at the study's settings; the edge example for psg/tpusg. ---
with open(os.path.join(repo, "examples/fruit/autopilot.yaml")) as f:
    text = f.read()
text = text.replace("  store: ../../.autopilot/fruit/runs.db", "  store: %s/fruit-runs.db" % work)
text = text.replace("  work_dir: ../../.autopilot/fruit/work", "  work_dir: %s/work" % work)
text = text.replace("  raw_csv: data/fruit.csv", "  raw_csv: %s" % raw)
text = text.replace("  header_symbol: g_model", "  header_symbol: model")  # the study's model.h
fruit_project = os.path.join(work, "study.yaml")
with open(fruit_project, "w") as f:
    f.write(text)
projects = {"dp": fruit_project, "mc": fruit_project, "sg": fruit_project}
if any(s in stages for s in ("psg", "tpusg")):
    edge = os.path.join(work, "edge")
    os.makedirs(edge, exist_ok=True)
    run(["edge", "example", edge, "--frames", "24"])
    m, lab, vid = "models/ssd-mobilenet_v1/detect.tflite", "models/ssd-mobilenet_v1/labelmap.txt", \
        "data/object_detection/sheeps.mp4"
    # The study's paths (as bench/edge_fidelity): relative on the Pi, /home/mendel on the Coral.
    edge_projects = {
        "psg": ("raspberry_pi_4b", {"model": (m, m), "labels": (lab, lab), "input": (vid, vid)},
                "results/object_detection/test_results/sheeps_detections.mp4"),
        "tpusg": ("coral_dev_board",
                  {"model": (m, "/home/mendel/tinyml_autopilot/models/edgetpu_detect.tflite"),
                   "labels": (lab, "/home/mendel/tinyml_autopilot/models/labelmap.txt"),
                   "input": (vid, "/home/mendel/tinyml_autopilot/data/sheeps.mp4")},
                  "/home/mendel/tinyml_autopilot/results/sheeps_detections.mp4"),
    }
    for stage, (device, files, output) in edge_projects.items():
        path = os.path.join(edge, stage + ".yaml")
        with open(path, "w") as f:
            f.write("version: 1\npaths:\n  work_dir: %s/work\nsandbox:\n  timeout_s: 60\nedge:\n  device: %s\n"
                    % (edge, device))
            for key, (local, as_path) in files.items():
                f.write("  %s: {file: %s, as: %s}\n" % (key, local, as_path))
            f.write("  output: %s\n  threshold: 0.5\n  validation_frames: 24\n" % output)
        projects[stage] = path

# --- The store: one run per trace, one attempt per item (op, then attempt order). ---
items = []
with open(os.path.join(corpus, "manifest.jsonl")) as f:
    for line in f:
        d = json.loads(line)
        if d["group"] in groups and groups[d["group"]] in stages:
            items.append(d)
store = os.path.join(work, "corpus.db")
run(["store", "info", "--store", store])  # creates it at the latest schema
db = sqlite3.connect(store)
by_id = {d["id"]: d for d in items}
if db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0:
    traces = collections.defaultdict(list)
    for d in items:
        traces[(d["stage"], d["experiment"], d["trace_id"])].append(d)
    for (stage, exp, trace), its in sorted(traces.items()):
        its.sort(key=lambda d: (d.get("op") or 0, d["attempt"]))
        first = its[0]
        status = "passed" if first.get("trace_status") == "success" else "failed"
        key = "corpus|%s|%s|%s|%s|%s" % (stage, first["model"], first["prompt_variant"], exp, trace)
        cur = db.execute(
            "INSERT INTO runs(run_key, sweep, stage, model, format, preset, status, config_json, started_at)"
            " VALUES (?,?,?,?,?,?,?,?,strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
            (key, "corpus", stage, first["model"], first["prompt_variant"], first.get("sampling_params", ""),
             status, json.dumps({"source": "corpus", "experiment": exp, "trace_id": trace})))
        run_id = cur.lastrowid
        for n, d in enumerate(its, 1):
            cur = db.execute(
                "INSERT INTO attempts(run_id, stage, number, status, started_at)"
                " VALUES (?,?,?,?,strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
                (run_id, stage, n, "passed" if d["outcome"] == "pass" else "failed"))
            with open(os.path.join(corpus, d["file"]), encoding="utf-8", errors="replace") as f:
                code = f.read()
            db.execute(
                "INSERT INTO artifacts(run_id, attempt_id, kind, name, sha256, size_bytes, content, created_at)"
                " VALUES (?,?,?,?,?,?,?,strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
                (run_id, cur.lastrowid, "code", d["id"], hashlib.sha256(code.encode()).hexdigest(),
                 len(code.encode()), code))
    db.commit()

# --- Re-judge, stage by stage. ---
wall = {}
for stage in stages:
    args = ["--json", "rejudge", store, "--project", projects[stage], "--stage", stage, "--concurrency", jobs]
    if stage in ("dp", "mc"):
        args += ["--study", study]
    if stage == "sg":
        args += ["--model-header", os.path.join(study, "model.h")]
    if caps.get(stage):
        args += ["--limit", str(caps[stage])]
    t = time.monotonic()
    p = subprocess.run([binary] + args, capture_output=True, text=True)
    wall[stage] = time.monotonic() - t
    print("rejudge %s: %s %s" % (stage, p.stdout.strip().replace("\n", " ")[:600], p.stderr.strip()[-400:]),
          file=sys.stderr)

# --- The table. ---
rows = db.execute(
    "SELECT j.stage, a.status, j.verdict, COALESCE(j.code,''), j.ran, j.duration_ms, f.name"
    " FROM rejudged j JOIN attempts a ON a.id = j.attempt_id"
    " JOIN artifacts f ON f.attempt_id = a.id AND f.kind = 'code'").fetchall()
print("| stage | attempts judged | recorded passes | re-judged pass | recorded pass → fail | unavailable "
      "| leading reasons (recorded passes) | run layer agrees (exact labels) | ms per item |")
print("|---|---:|---:|---:|---:|---:|---|---:|---:|")
for stage in stages:
    rs = [r for r in rows if r[0] == stage]
    if not rs:
        print("| %s | 0 | | | | | not judged | | |" % stage)
        continue
    rec_pass = [r for r in rs if r[1] == "passed"]
    judged_pass = [r for r in rec_pass if r[2] != "unavailable"]
    ok = [r for r in judged_pass if r[2] == "passed"]
    reasons = collections.Counter(r[3] for r in judged_pass if r[2] == "failed")
    unavailable = sum(1 for r in rs if r[2] == "unavailable")
    # Agreement on exact labels, left out: failures the study's harness caused itself.
    exact = [r for r in rs if r[4] is not None and by_id[r[6]].get("label_confidence") == "exact"
             and by_id[r[6]].get("outcome_detail") != "harness_induced_runtime_error"]
    agree = sum(1 for r in exact if bool(r[4]) == (r[1] == "passed"))
    ms = sum(r[5] or 0 for r in rs) / len(rs)
    lead = ", ".join("%s %d" % (c, n) for c, n in reasons.most_common(4))
    print("| %s | %d | %d | %d | %d | %d | %s | %s | %.0f |" % (
        stage, len(rs), len(rec_pass), len(ok), len(judged_pass) - len(ok), unavailable, lead or "–",
        "%.1f%% (%d/%d)" % (100.0 * agree / len(exact), agree, len(exact)) if exact else "–", ms))
print("\nunavailable reasons:", dict(collections.Counter(
    (r[0], r[3]) for r in rows if r[2] == "unavailable").most_common(6)))
print("wall seconds per stage:", {k: round(v, 1) for k, v in wall.items()}, "jobs", jobs)
report = os.path.join(work, "report.md")
subprocess.run([binary, "report", store, "--format", "md", "-o", report], check=False,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("store:", store, "report:", report)
