#!/usr/bin/env bash
# The inner loop (`make test-fast`): every test except the browser, fuzzing and slow ones, on two
# workers, without collecting static files (only the browser tests serve them). `make test`
# (scripts/test.sh) still runs everything; see docs/development/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST_SKIP_COLLECTSTATIC=1
exec bash scripts/test.sh -m "not browser and not fuzz and not slow" --durations=10 "$@"
