"""The throughput-interactivity frontier (costmodel.analysis.frontier) and the published points on it."""

import numpy as np
import pytest

from costmodel import Scenario, estimate, load_catalog
from costmodel.analysis.frontier import batch_grid, frontier_points, operating_point, pareto_mask, plan_sizes
from costmodel.analysis.published_points import (
    comparable,
    output_per_gpu,
    per_user_speed,
    published_points,
    similar_shape,
)

CAT = load_catalog()
CHAT = Scenario(model="llama-3.1-70b", gpu="h100-sxm", gpus=8, prompt_tokens=2048, output_tokens=512)


def test_pareto_mask_by_hand():
    # (speed, throughput): (10, 100) beats (8, 90); (5, 200) is slower but delivers more; (10, 50) loses to (10, 100)
    speed = np.array([10.0, 8.0, 5.0, 10.0, 1.0])
    tput = np.array([100.0, 90.0, 200.0, 50.0, 150.0])
    assert pareto_mask(speed, tput).tolist() == [True, False, True, False, False]


def test_batch_grid_is_whole_and_spans_the_limit():
    g = batch_grid(1024)
    assert g[0] == 1 and g[-1] == 1024 and np.all(g == np.round(g)) and np.all(np.diff(g) > 0)


def test_plans_are_the_planners_or_the_scenarios():
    assert plan_sizes(CHAT) == [1, 2, 4, 8]
    assert plan_sizes(CHAT.model_copy(update={"gpus": 6})) == [1, 2, 4, 6]
    assert plan_sizes(CHAT.model_copy(update={"tensor_parallel": 4})) == [4]


def test_each_point_is_the_engine_at_that_plan_and_batch():
    df = frontier_points(CHAT, CAT)
    row = df[(df.tensor_parallel == 4) & (df.concurrency == 32)].iloc[0]  # 16 per replica on 2 replicas
    r = estimate(CHAT.model_copy(update={"tensor_parallel": 4, "concurrency": 32}), CAT)
    assert row.batch_per_replica == 16
    assert row.tokens_per_second_per_user == pytest.approx(r.output_tokens_per_second / 32)  # Little's law
    assert row.tokens_per_second_per_user == pytest.approx(r.tokens_per_second_per_user)
    assert row.output_tokens_per_second_per_gpu == pytest.approx(r.output_tokens_per_second / 8)
    # all-in $/M output = GPUs x $/h / 3600 / output tokens/s x 1e6, by hand from the catalog's H100 price
    by_hand = 8 * CAT.gpu("h100-sxm").hourly_usd / 3600 / r.output_tokens_per_second * 1e6
    assert row.usd_per_million_output_tokens_all_in == pytest.approx(by_hand)
    blended = 8 * CAT.gpu("h100-sxm").hourly_usd / 3600 / (r.requests_per_second * (2048 + 512)) * 1e6
    assert row.usd_per_million_tokens_blended == pytest.approx(blended)


def test_a_bigger_batch_is_slower_per_user_and_delivers_more_per_gpu():
    df = frontier_points(CHAT, CAT)
    for _, plan in df.groupby("tensor_parallel"):
        assert np.all(np.diff(plan.tokens_per_second_per_user) < 0)
        assert np.all(np.diff(plan.output_tokens_per_second_per_gpu) > 0)
        assert np.all(np.diff(plan.usd_per_million_output_tokens_all_in) < 0)


def test_curves_stop_at_the_largest_batch_that_fits():
    df = frontier_points(CHAT, CAT)
    for tp, plan in df.groupby("tensor_parallel"):
        r = estimate(CHAT.model_copy(update={"tensor_parallel": int(tp), "concurrency": "max"}), CAT)
        assert plan.concurrency.max() == pytest.approx(r.concurrency)
    assert 1 not in set(df.tensor_parallel)  # 16-bit 70B weights do not fit on one 80 GB GPU


def test_frontier_is_the_upper_envelope():
    df = frontier_points(CHAT, CAT)
    on = df[df.on_frontier]
    off = df[~df.on_frontier]
    assert len(on) >= 3 and len(off) >= 1
    for _, p in off.iterrows():  # every point off the envelope is beaten by one on it
        assert ((on.tokens_per_second_per_user >= p.tokens_per_second_per_user)
                & (on.output_tokens_per_second_per_gpu >= p.output_tokens_per_second_per_gpu)).any()


def test_the_operating_point_lies_on_its_plans_curve():
    s = CHAT.model_copy(update={"tensor_parallel": 8, "concurrency": 16})
    df = frontier_points(s, CAT, batches=np.array([1.0, 16.0, 64.0]))
    p = operating_point(s, estimate(s, CAT))
    row = df[df.concurrency == 16].iloc[0]
    for key in ("tokens_per_second_per_user", "output_tokens_per_second_per_gpu",
                "usd_per_million_output_tokens_all_in", "usd_per_million_tokens_blended"):
        assert p[key] == pytest.approx(row[key])


def test_per_user_speed_read_from_notes():
    assert per_user_speed("median TTFT 0.145 s; median interactivity 113.8 tok/s/user. num_gpus") == (
        113.8, "published tok/s/user")
    assert per_user_speed("Published TPOT 9.2 ms, tok/s/user 108.5. InferenceX") == (108.5, "published tok/s/user")
    speed, how = per_user_speed("measured p50/p99 TTFT 685.9/1695.9 ms, p50/p99 TPOT 69.9/72.2 ms (from")
    assert speed == pytest.approx(1000 / 69.9) and how == "1000 / TPOT (ms)"
    assert per_user_speed("max-load offline, no latency given") is None


def test_output_per_gpu_by_hand():
    # InferenceX: 111.2 total tokens/s per GPU over 8 GPUs at equal lengths: half of it is output
    assert output_per_gpu(111.2, 8, 8, "total", 921.6, 921.6) == pytest.approx(55.6)
    # MLPerf: 18,592.2 output tokens/s for the whole 8-GPU system
    assert output_per_gpu(18592.2, 1, 8, "output", 800, 3713.1) == pytest.approx(2324.025)
    assert np.isnan(output_per_gpu(100.0, 1, 8, "input", 800, 10))


def test_published_points_match_the_catalog():
    pts = published_points("deepseek-v3", "b200")
    assert len(pts) >= 10
    assert set(pts.model) == {"deepseek-v3"} and set(pts.gpu) == {"b200"}
    assert (pts.tokens_per_second_per_user > 0).all() and (pts.output_tokens_per_second_per_gpu > 0).all()
    row = pts[pts.id == "mlperf51_dsr1_b200x8_server"].iloc[0]
    assert row.tokens_per_second_per_user == pytest.approx(1000 / 69.9)
    assert published_points("llama-3.1-70b", "h100-sxm").empty


def test_similar_shape_within_a_factor():
    pts = published_points("deepseek-v3", "b200")
    near = similar_shape(pts, 1024, 1024)
    assert near.any() and not near.all()
    chosen = pts[near]
    assert ((chosen.isl >= 512) & (chosen.isl <= 2048) & (chosen.osl >= 512) & (chosen.osl <= 2048)).all()
    assert not similar_shape(pts.assign(isl=np.nan), 1024, 1024).any()  # unknown lengths never match


def test_comparable_runs_share_shape_precision_and_speculation():
    pts = published_points("deepseek-v3", "b200")
    s = Scenario(model="deepseek-v3", gpu="b200", gpus=8, weight_bits=8, prompt_tokens=1024, output_tokens=1024)
    ok = comparable(pts, s)
    assert ok.any()
    assert (pts[ok].weight_bits == 8).all() and not pts[ok].speculative.any()
    assert not comparable(pts, s.model_copy(update={"weight_bits": 16})).any()  # nobody ran it in 16 bits
    assert comparable(pts.iloc[:0], s).size == 0


def test_points_say_whether_they_meet_the_service_level():
    s = CHAT.model_copy(update={"min_tokens_per_second_per_user": 20.0})
    df = frontier_points(s, CAT)
    assert (df.meets_slo == (df.tokens_per_second_per_user >= 20.0)).all()
    assert df.meets_slo.any() and not df.meets_slo.all()
    # the engine's own choice at this target sits on the curve of its plan, where the speed just holds
    r = estimate(s, CAT)
    p = operating_point(s, r)
    assert p["tokens_per_second_per_user"] >= 20.0
    plan = df[df.tensor_parallel == r.tensor_parallel]
    faster = plan[plan.concurrency > r.concurrency]
    assert (faster.tokens_per_second_per_user < p["tokens_per_second_per_user"] + 1e-9).all()


def test_money_is_at_the_scenarios_utilization():
    full = frontier_points(CHAT, CAT)
    half = frontier_points(CHAT.model_copy(update={"utilization": 0.5}), CAT)
    assert np.allclose(half.usd_per_million_output_tokens_all_in, 2 * full.usd_per_million_output_tokens_all_in)
    assert np.allclose(half.tokens_per_second_per_user, full.tokens_per_second_per_user)
