#!/usr/bin/env bash
# examples/study offline: the recorded scripted sessions through `autopilot sweep` (every run
# validated for real) and `autopilot report`; the report must show what the sessions script:
# scripted-strong passes every format at once or after repair, scripted-weak never passes with
# the minimal and prose prompts and needs three attempts with json.
set -euo pipefail
bin="$1"; src="$2"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
"$bin" sweep "$src/examples/study/sweep-offline.yaml" --store "$tmp/study.db" >"$tmp/sweep.log" 2>&1 || {
  cat "$tmp/sweep.log"; exit 1; }
tail -n 1 "$tmp/sweep.log"
# A rerun has nothing left to do.
"$bin" sweep "$src/examples/study/sweep-offline.yaml" --store "$tmp/study.db" >"$tmp/again.log" 2>&1
grep -q "30/30 runs finished (30 earlier, 0 now" "$tmp/again.log" || { cat "$tmp/again.log"; exit 1; }
"$bin" report "$tmp/study.db" --format json -o "$tmp/report.json"
/usr/bin/python3 - "$tmp/report.json" <<'PY'
import json, sys
cells = {(c["model"].split("/")[-1], c["format"]): c for c in json.load(open(sys.argv[1]))["cells"]}
assert len(cells) == 10, cells.keys()
def check(model, fmt, passed, mean_attempts):
    c = cells[(model + ".jsonl", fmt)]
    assert c["runs"] == 3 and c["passed"] == passed, (model, fmt, c["passed"])
    if mean_attempts is not None:
        assert abs(c["mean_attempts_to_success"] - mean_attempts) < 1e-9, (model, fmt, c["mean_attempts_to_success"])
for fmt in ("json", "markdown", "prose", "minimal", "outline"):
    check("scripted-strong", fmt, 3, None)
check("scripted-strong", "json", 3, 1.0)
check("scripted-strong", "outline", 3, 3.0)
check("scripted-weak", "json", 3, 3.0)
check("scripted-weak", "minimal", 0, None)
check("scripted-weak", "prose", 0, None)
print("report matches the scripted sessions")
PY
