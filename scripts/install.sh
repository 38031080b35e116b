#!/usr/bin/env bash
# Install Token Economics Explorer into ./.venv (idempotent; re-running takes a few seconds).
#
#   bash scripts/install.sh        # the app: .venv + pip install -e .
#   bash scripts/install.sh test   # + the test extra, and Debian's Chromium for the browser tests
#
# Never runs `playwright install`: the browser tests drive the system Chromium (/usr/bin/chromium),
# so nothing but PyPI and Debian's apt repositories is contacted.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

what=${1:-app}
case $what in
  app) spec='.[app]' ;;
  test) spec='.[test]' ;;
  *) echo "usage: bash scripts/install.sh [app|test]" >&2; exit 2 ;;
esac

if [[ $what == test && ! -x /usr/bin/chromium ]]; then
  echo "install: /usr/bin/chromium missing, installing Debian's chromium package"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y chromium
fi

# nginx for the multi-process recipe's test (deploy/cluster.py, tests/e2e/test_server_load.py).
if [[ $what == test ]] && ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]]; then
  echo "install: nginx missing, installing Debian's nginx-light package"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y nginx-light
fi

if [[ ! -x .venv/bin/python ]]; then
  echo "install: creating .venv"
  python3 -m venv .venv
fi
echo "install: pip install -e '$spec'"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
