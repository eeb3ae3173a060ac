#!/usr/bin/python3
"""Two measurements of the tree for refactoring notes.

  code_metrics.py dups FILE        lines in duplicated runs by area, from `duplicates --most 200`
                                   output saved in FILE
  code_metrics.py functions [N]    the N longest C++ functions under src/ (Universal Ctags' end
                                   lines), longest first

Areas are the first two path components (three under src/autopilot, board/sdk and tests), so
`src/autopilot/tflite/interpreter.cc` counts under `src/autopilot/tflite`.
"""

import collections
import re
import subprocess
import sys

ROW = re.compile(r"^D\d+ (\S+):(\d+)-(\d+) ~ (\S+):(\d+)-(\d+)")


def area(path):
    parts = path.split("/")
    deep = parts[:2] in (["src", "autopilot"], ["board", "sdk"]) or parts[0] == "tests"
    keep = 3 if deep and parts[0] != "tests" else 2
    return "/".join(parts[:keep]) if len(parts) > keep else "/".join(parts[:-1]) or "."


def dups(report):
    lines = collections.Counter()
    pairs = collections.Counter()
    for line in open(report, encoding="utf-8"):
        m = ROW.match(line)
        if not m:
            continue
        for path, lo, hi in ((m[1], m[2], m[3]), (m[4], m[5], m[6])):
            lines[area(path)] += int(hi) - int(lo) + 1
        pairs[area(m[1])] += 1
    total = sum(lines.values())
    print(f"{'area':40} {'lines':>7} {'pairs':>6}")
    for name, n in lines.most_common():
        print(f"{name:40} {n:7} {pairs[name]:6}")
    print(f"{'total':40} {total:7} {sum(pairs.values()):6}")


def functions(n):
    files = subprocess.run(["git", "ls-files", "src/*.cc", "src/*.h"], capture_output=True, text=True,
                           check=True).stdout.split()
    out = subprocess.run(["ctags", "--c++-kinds=fp", "--fields=+ne", "-o", "-"] + files, capture_output=True,
                         text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        cols = line.split("\t")
        fields = dict(c.split(":", 1) for c in cols[3:] if ":" in c)
        if "end" not in fields or "line" not in fields:
            continue
        length = int(fields["end"]) - int(fields["line"]) + 1
        rows.append((length, f"{cols[1]}:{fields['line']}", cols[0]))
    rows.sort(reverse=True)
    for length, where, name in rows[:n]:
        print(f"{length:5}  {name:40} {where}")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "dups":
        dups(sys.argv[2])
    elif len(sys.argv) >= 2 and sys.argv[1] == "functions":
        functions(int(sys.argv[2]) if len(sys.argv) > 2 else 15)
    else:
        sys.exit(__doc__)
