#!/usr/bin/env bash
# The issue-13 figures in one sequence, for a quiet machine (docs/deploying.md): every page's server CPU per
# change (repeating and never-seen scenarios), one Chromium session, then 50 and 100 sessions on 1 and 2
# processes. Writes benchmarks/results/*-TAG.json; prints the time and load average before each step.
#   bash benchmarks/remeasure.sh TAG [SESSIONS...]      e.g. bash benchmarks/remeasure.sh r5 50
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tag=${1:?usage: bash benchmarks/remeasure.sh TAG [SESSIONS...]}
shift
sessions=("${@:-50 100}")
R=benchmarks/results
py=.venv/bin/python
log() { echo "== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
log "start $(git log --oneline -1 2>/dev/null)"
log bench_server;       $py benchmarks/bench_server.py --json "$R/bench-server-$tag.json"
log bench_server fresh; $py benchmarks/bench_server.py --fresh --json "$R/bench-server-fresh-$tag.json"
log chromium 1;         $py benchmarks/load_test.py --sessions 1 --duration 40 --json "$R/chromium-1-$tag.json" | tail -8
for s in ${sessions[*]}; do
  for p in 1 2; do
    log "load $s sessions x $p processes"
    $py benchmarks/load_run.py --sessions "$s" --browsers 3 --processes "$p" --duration 60 \
      --json "$R/load-$s-${p}proc-$tag.json" | tail -12
  done
done
log done
