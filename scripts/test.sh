#!/usr/bin/env bash
# Install (if needed) and run the WHOLE test suite: unit and AppTest tests, then the browser (e2e) tests,
# which drive Debian's Chromium against a real `streamlit run`. This is the README's test command and
# exactly what CI (.ci/run) runs. Extra arguments go to both pytest runs (e.g. -x, -k name).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install.sh test

# pytest exits 5 when it collected no tests: that is a failure here, never a silent pass.
run_pytest() {
  local label=$1; shift
  local t0=$SECONDS rc=0
  echo "== pytest ($label) =="
  .venv/bin/python -m pytest --timeout=300 "$@" || rc=$?
  echo "== pytest ($label): exit $rc after $((SECONDS - t0)) s =="
  if [[ $rc -eq 5 ]]; then
    echo "ERROR: pytest ($label) collected no tests" >&2
  fi
  return "$rc"
}

# Two runs keep Playwright's event loop out of the AppTest process and give separate timings.
# In CI (CI=true) the e2e conftest turns a missing Chromium into an error instead of a skip.
# Both suites always run, so one CI log shows every failure; the script fails if either failed.
rc_unit=0 rc_e2e=0 rc_wheel=0
# pytest-xdist: these tests bind no fixed port (the Dask cluster test picks a free one), so they run in
# parallel, one worker per core and at most 4 (each worker imports Streamlit and the catalog); by file, so
# a module's fixtures (the Dask cluster) start once. The browser tests run in 2 workers, by file: each
# worker starts its own server and Chromium (free ports; screenshots are cleared once, by the main process),
# and the largest file (test_e2e_pages.py) takes one worker while the others share the second.
run_pytest "unit + AppTest" -m "not e2e" -n auto --maxprocesses 4 --dist loadfile "$@" || rc_unit=$?
run_pytest "browser e2e" -m e2e tests/e2e -n 2 --dist loadfile "$@" || rc_e2e=$?
# The built wheel, installed outside the checkout, must carry its data and run without Streamlit.
echo "== wheel =="
bash scripts/check_wheel.sh || rc_wheel=$?
echo "== tests: unit + AppTest exit $rc_unit, browser e2e exit $rc_e2e, wheel exit $rc_wheel =="
if [[ $rc_unit -ne 0 ]]; then exit "$rc_unit"; fi
if [[ $rc_e2e -ne 0 ]]; then exit "$rc_e2e"; fi
exit "$rc_wheel"
