#!/usr/bin/env bash
# Build the wheel, install it into a fresh virtual environment outside the checkout, and run the CLI from
# another directory: proves that the package carries its data (data/ ships as costmodel/_data) and needs
# neither the checkout nor Streamlit. Run by scripts/test.sh (and so by CI); takes about a minute.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "check_wheel: building the wheel"
.venv/bin/python -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$work/dist" . >/dev/null
wheel=$(ls "$work"/dist/*.whl)
echo "check_wheel: $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)"

python3 -m venv "$work/venv"
echo "check_wheel: pip install into a fresh venv (dependencies from the package index)"
if ! "$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel" > "$work/pip.log" 2>&1; then
  cat "$work/pip.log" >&2
  exit 1
fi

mkdir "$work/elsewhere"
cd "$work/elsewhere"
cm="$work/venv/bin/costmodel"
run() { echo "check_wheel: \$ costmodel $*"; "$cm" "$@" > "$work/out.txt"; head -c 240 "$work/out.txt"; echo " ..."; }
run list gpus
run estimate --model llama-3.1-70b --gpu h100-sxm --gpus 8 --json
run price --workload azure-2023-conv --model llama-3.1-8b --gpu h100-sxm --gpus 1 --json
run calibrate

"$work/venv/bin/python" - "$repo" <<'PY'
import sys
from pathlib import Path

import costmodel
from costmodel.resources import data_root

repo = Path(sys.argv[1]).resolve()
where = Path(costmodel.__file__).resolve()
assert repo not in where.parents, f"costmodel imported from the checkout: {where}"
assert data_root() == where.parent / "_data", data_root()
for mod in ("streamlit", "plotly"):
    assert mod not in sys.modules, f"{mod} imported by the library"
try:
    import streamlit  # noqa: F401
except ImportError:
    pass
else:
    raise AssertionError("streamlit was installed with the library; it belongs to the [app] extra")
print(f"check_wheel: costmodel from {where.parent}, data from {data_root()}, no streamlit: ok")
PY
echo "check_wheel: ok"
