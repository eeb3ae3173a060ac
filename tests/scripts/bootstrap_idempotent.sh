#!/usr/bin/env bash
# After `make test` has bootstrapped, a second bootstrap must change nothing and say so.
set -euo pipefail
out="$("$1/scripts/bootstrap" 2>&1)"
echo "$out"
grep -q "bootstrap: nothing to do" <<<"$out" || { echo "FAIL: second bootstrap did work"; exit 1; }
grep -q "Debian packages already installed" <<<"$out" || { echo "FAIL: Debian check missing"; exit 1; }
