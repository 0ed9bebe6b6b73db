#!/usr/bin/env bash
# The whole test suite from a fresh machine: set up, then pytest over tests/.
# pytest exit code 5 ("no tests collected") is treated as a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
export POS_TEST_PG_URL=${POS_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
mkdir -p test-artifacts
.venv/bin/python -m pytest -p no:cacheprovider "$@"
rc=$?
if [ $rc -eq 5 ]; then echo "test.sh: pytest collected no tests: failing" >&2; exit 1; fi
exit $rc
