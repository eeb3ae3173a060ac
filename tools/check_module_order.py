#!/usr/bin/python3
"""Fails when a module of src/autopilot includes a module listed after it in AUTOPILOT_MODULES
(src/autopilot/CMakeLists.txt), or when a module folder is missing from that list.

  check_module_order.py [SOURCE_DIR]
"""

import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
src = os.path.join(root, "src", "autopilot")
cmake = open(os.path.join(src, "CMakeLists.txt"), encoding="utf-8").read()
listed = re.search(r"set\(AUTOPILOT_MODULES([^)]*)\)", cmake)
if not listed:
    sys.exit("check_module_order: no set(AUTOPILOT_MODULES ...) in src/autopilot/CMakeLists.txt")
order = listed.group(1).split()
rank = {m: i for i, m in enumerate(order)}
problems = []
for module in sorted(os.listdir(src)):
    folder = os.path.join(src, module)
    if not os.path.isdir(folder):
        continue
    if module not in rank:
        problems.append(f"src/autopilot/{module}: not in AUTOPILOT_MODULES")
        continue
    for dirpath, _, files in os.walk(folder):
        for name in sorted(files):
            if not name.endswith((".cc", ".h")):
                continue
            path = os.path.join(dirpath, name)
            for no, line in enumerate(open(path, encoding="utf-8"), 1):
                m = re.match(r'\s*#include "autopilot/([a-z_]+)/', line)
                if m and m.group(1) != module and rank.get(m.group(1), -1) > rank[module]:
                    problems.append(f"{os.path.relpath(path, root)}:{no}: {module} includes {m.group(1)}, "
                                    f"which AUTOPILOT_MODULES lists after it")
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
