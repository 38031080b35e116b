"""Streaming and Dask pricing equal the in-memory result."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from costmodel.errors import CostModelError
from costmodel.pricing.billing import SCHEMES, CostContext, LinearCoster, bill, make_scheme
from costmodel.pricing.scale import bill_log
from costmodel.workloads.workload import synthesize

CTX = CostContext(model="m", gpu_hourly_usd=3.0, active_params=70e9, total_params=70e9)
COSTER = LinearCoster(
    usd_per_input_token=2e-7, usd_per_cached_token=2e-8, usd_per_output_token=1e-6, context=CTX
)


def schemes():
    out = [make_scheme(s) for s in SCHEMES]
    out.append(make_scheme("subscription", allowance=60_000, over_limit="hard-cap", window="day"))
    return out


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    return write_logs(tmp_path_factory.mktemp("logs"))


def write_logs(d):
    """A synthetic chat workload as all.parquet, all.csv and a shuffled 3-file dataset ds/ in ``d``."""
    w = synthesize("chat", users=60, months=2, seed=5)
    df = w.to_frame().rename(columns={"output_tokens": "completion_tokens", "user": "user_id"})
    df["user_id"] = "u" + df["user_id"].astype(str)
    df.to_parquet(d / "all.parquet", index=False)
    df.to_csv(d / "all.csv", index=False)
    (d / "ds").mkdir()
    shuffled = df.sample(frac=1.0, random_state=1)  # file order no longer time order
    for i in range(3):
        shuffled.iloc[i::3].to_parquet(d / "ds" / f"part-{i}.parquet", index=False)
    return w, d


def assert_same(a, b):
    assert a.workload["requests"] == b.workload["requests"]
    assert a.workload["input_tokens"] == b.workload["input_tokens"]
    for x, y in zip(a.schemes, b.schemes, strict=True):
        assert x.scheme == y.scheme
        assert x.revenue_usd == pytest.approx(y.revenue_usd, rel=1e-9)
        assert x.cost_usd == pytest.approx(y.cost_usd, rel=1e-9)
        assert x.refused_requests == y.refused_requests
        assert x.loss_requests == y.loss_requests
        assert x.user_months == y.user_months
        assert x.bill_cv == pytest.approx(y.bill_cv, rel=1e-9)
    for k in a.bills:
        np.testing.assert_allclose(np.sort(a.bills[k]), np.sort(b.bills[k]), rtol=1e-9)


def test_streamed_log_equals_in_memory(log):
    w, d = log
    mem = bill(w, schemes(), coster=COSTER)
    assert mem.result("subscription").refused_requests == 0
    assert mem.schemes[-1].refused_requests > 0  # the hard-capped daily subscription refuses some
    for name in ("all.parquet", "all.csv"):
        assert_same(mem, bill_log(d / name, schemes(), coster=COSTER, chunk_rows=777))


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_dask_engine_equals_local_engine(log):
    distributed = pytest.importorskip("distributed")
    w, d = log
    local = bill_log(d / "all.parquet", schemes(), coster=COSTER)
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as c,
        distributed.Client(c),
    ):
        dsk = bill_log(d / "ds", schemes(), coster=COSTER, engine="dask")
    assert_same(local, dsk)


def test_bad_rows_in_a_streamed_log_are_reported(tmp_path):
    df = pd.DataFrame({"prompt_tokens": [10, -1, 20, 30] * 5, "completion_tokens": [1, 1, 1, np.nan] * 5})
    p = tmp_path / "x.parquet"
    df.to_parquet(p, index=False)
    r = bill_log(p, ["flat"], coster=COSTER, chunk_rows=3)
    assert r.workload["requests"] == 10
    assert r.workload["skipped_rows"] == 10
    assert r.workload["skipped_first_row"] == {
        "rows with negative prompt tokens": 2,
        "rows with missing or non-numeric output tokens": 4,
    }
    with pytest.raises(CostModelError, match="row 2"):
        bill_log(p, ["flat"], coster=COSTER, errors="raise")
    with pytest.raises(CostModelError, match="unknown engine"):
        bill_log(p, ["flat"], coster=COSTER, engine="spark")
