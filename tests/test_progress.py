"""Progress of long pricing work: the library's callback, the CLI's terminal bars, fsspec paths."""

from __future__ import annotations

import io
import subprocess
import sys

import fsspec
import pytest

from costmodel.cli.progress import terminal_progress
from costmodel.pricing.billing import bill
from costmodel.pricing.scale import bill_log
from tests.test_pricing_scale import COSTER, assert_same, schemes, write_logs


@pytest.fixture(scope="module")
def shared_log(tmp_path_factory):
    return write_logs(tmp_path_factory.mktemp("logs"))

class Calls:
    def __init__(self):
        self.calls = []

    def __call__(self, stage, done, total):
        self.calls.append((stage, done, total))


def test_log_pricing_reports_rows_read_then_rows_priced(shared_log):
    w, d = shared_log
    calls = Calls()
    bill_log(d / "all.parquet", schemes(), coster=COSTER, chunk_rows=1_000, progress=calls)
    n = len(w.prompt_tokens)
    reading = [c for c in calls.calls if c[0] == "reading rows"]
    pricing = [c for c in calls.calls if c[0] == "pricing rows"]
    assert reading[-1] == ("reading rows", n, None) and len(reading) == -(-n // 1_000)
    assert pricing[-1] == ("pricing rows", n, n)
    assert [c[1] for c in pricing] == sorted(c[1] for c in pricing)


def test_in_memory_chunks_report_progress(shared_log):
    w, _ = shared_log
    calls = Calls()
    bill(w, schemes()[:2], coster=COSTER, chunk_size=500, progress=calls)
    n = len(w.prompt_tokens)
    assert calls.calls[-1] == ("pricing requests", n, n) and len(calls.calls) == -(-n // 500)


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_dask_reports_partitions(shared_log):
    distributed = pytest.importorskip("distributed")
    _, d = shared_log
    calls = Calls()
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as c,
        distributed.Client(c),
    ):
        bill_log(d / "ds", schemes()[:2], coster=COSTER, engine="dask", progress=calls)
    stages = {c[0] for c in calls.calls}
    assert stages == {"reading partitions", "pricing partitions"}
    assert ("reading partitions", 3, 3) in calls.calls


def test_a_log_at_an_fsspec_url_equals_the_file(shared_log):
    _, d = shared_log
    fs = fsspec.filesystem("memory")
    fs.pipe("/logs/all.parquet", (d / "all.parquet").read_bytes())
    assert_same(bill_log(d / "all.parquet", schemes(), coster=COSTER),
                bill_log("memory://logs/all.parquet", schemes(), coster=COSTER))
    from costmodel.errors import CostModelError

    with pytest.raises(CostModelError, match="memory://logs/missing.parquet: no such file"):
        bill_log("memory://logs/missing.parquet", schemes(), coster=COSTER)


class TTY(io.StringIO):
    def isatty(self):
        return True


def test_bars_only_on_a_terminal_and_never_with_json():
    with terminal_progress(json_output=False, stream=io.StringIO()) as p:
        assert p is None  # not a terminal
    with terminal_progress(json_output=True, stream=TTY()) as p:
        assert p is None
    tty = TTY()
    with terminal_progress(json_output=False, stream=tty) as p:
        p("pricing rows", 250_000, 1_000_000)
        p("pricing rows", 1_000_000, 1_000_000)
    text = tty.getvalue()
    assert "pricing rows" in text and "100%" in text and "1.00M/1.00M" in text


def test_the_cli_draws_nothing_when_stderr_is_not_a_terminal(shared_log):
    _, d = shared_log
    out = subprocess.run([sys.executable, "-m", "costmodel", "price", "--workload", str(d / "all.csv"),
                          "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--scheme", "flat"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stderr == "" and "flat" in out.stdout
