"""Driver of bench/board_size (see there). Needs only the standard library."""
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile

binary, source, build, corpus, reps = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
work = tempfile.mkdtemp(prefix="board-size-")
os.chmod(work, 0o755)
subprocess.run([binary, "board", "study-model", "--out", work], check=True, stdout=subprocess.DEVNULL)
header = os.path.join(work, "model.h")

# The stand-in's installation: the board SDK's core and every library the profiles have (the
# TFLM libraries composed in the board cache by the build that just ran).
sdk = os.path.join(source, "board", "sdk")
libs = []
for d in sorted(glob.glob(os.path.join(sdk, "libraries", "*"))):
    name = os.path.basename(d)
    if name == "Arduino_TensorFlowLite":
        continue  # the study's sketches use the classic API (Harvard_TinyMLx); both have TensorFlowLite.h
    if os.path.exists(os.path.join(d, "overlay.json")):
        # Tests compose variants with files taken away: the complete composition has the most.
        composed = sorted((c for c in glob.glob(os.path.join(build, "board-cache", "libraries", name + "-*", name))
                           if ".tmp" not in c),
                          key=lambda c: sum(len(f) for _, _, f in os.walk(c)))
        if not composed:
            continue
        d = composed[-1]
    libs.append(name + "=" + d)
data, user = os.path.join(work, "data"), os.path.join(work, "user")
standin = os.path.join(source, "tests", "data", "arduino-cli")
subprocess.run(["/usr/bin/python3", os.path.join(standin, "make-fixture"), data, user,
                os.path.join(sdk, "core")] + libs, check=True)
props = {}
for line in open(os.path.join(standin, "boards.txt")):
    if "=" in line and not line.startswith("#"):
        k, v = line.strip().split("=", 1)
        props[k] = v
core_text = int(props["nano33ble.standin.core_text"])
core_data = int(props["nano33ble.standin.core_data"])
env = dict(os.environ, ARDUINO_DIRECTORIES_DATA=data, ARDUINO_DIRECTORIES_USER=user)

sketches = []
manifest = os.path.join(corpus, "manifest.jsonl")
if os.path.exists(manifest):
    for line in open(manifest):
        d = json.loads(line)
        if d["group"] == "sg_sketches" and d.get("label_confidence") == "exact" and d.get("outcome") == "pass":
            sketches.append(os.path.join(corpus, d["file"]))
sketches = sketches[:int(os.environ.get("MAX_SKETCHES", "20"))]


def run(args):
    r = subprocess.run([binary, "--json"] + args, capture_output=True, text=True, env=env)
    try:
        return r.returncode, json.loads(r.stdout)
    except json.JSONDecodeError:
        return r.returncode, {}


rows, est_ms, cli_ms, virt_ms = [], [], [], []
for path in sketches:
    code, virt = run(["board", "build", path, "--model-header", header])
    if code != 0:
        continue
    code, real = run(["board", "build", path, "--model-header", header, "--toolchain", "arduino-cli",
                      "--arduino-cli", os.path.join(standin, "arduino-cli")])
    code2, est = run(["board", "size", path, "--model-header", header])
    if code != 0 or not est.get("compiled"):
        print("skipped %s: stand-in %s, estimate %s" % (os.path.basename(path), real.get("code") or real.get("error"),
                                                        est.get("code")), file=sys.stderr)
        continue
    sec = {s["name"]: s["size"] for s in real.get("sections", [])}
    rows.append((os.path.basename(path), est["flash_bytes"], sec["text"] - core_text,
                 est["ram_bytes"], sec["data"] - core_data))
    for _ in range(reps):
        est_ms.append(run(["board", "size", path, "--model-header", header])[1]["ms"])
        cli_ms.append(run(["board", "build", path, "--model-header", header, "--toolchain", "arduino-cli",
                           "--arduino-cli", os.path.join(standin, "arduino-cli")])[1]["build_ms"])
        virt_ms.append(run(["board", "build", path, "--model-header", header])[1]["build_ms"])

print("sketch                                              est_flash standin_flash  est_ram standin_ram")
for r in rows:
    print("%-50s %10d %13d %8d %11d" % r)
if rows:
    fr = [r[1] / r[2] for r in rows if r[2] > 0]
    rr = [r[3] / r[4] for r in rows if r[4] > 0]
    print("sketches: %d; estimate/stand-in (sketch share): flash median %.2f (min %.2f, max %.2f), "
          "RAM median %.2f (min %.2f, max %.2f)" % (len(rows), statistics.median(fr), min(fr), max(fr),
                                                      statistics.median(rr), min(rr), max(rr)))
    print("ms per check (median of %d): size estimate %d, stand-in arduino-cli build %d, virtual build %d; "
          "estimate / virtual build = %.2f" % (len(est_ms), statistics.median(est_ms), statistics.median(cli_ms),
                                               statistics.median(virt_ms),
                                               statistics.median(est_ms) / statistics.median(virt_ms)))
subprocess.run(["rm", "-rf", work])
