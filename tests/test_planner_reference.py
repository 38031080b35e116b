"""The planner against a straightforward reference: every candidate plan fully evaluated, the cheapest taken.

``planner.cheapest_plan`` serves every plan up to the cost per request (``roofline.replica_terms`` and
``serve``), picks each point's plan and computes the remaining results once, from the chosen plan's terms
(``planner.at_plan``). The reference below is the planner as it was before that (``roofline.evaluate``, every
result, on every plan stacked, then each result taken at the chosen plan): on a random grid
of scenarios (dense, MoE and latent-attention models, every GPU, deployments that are not powers of two,
service-level targets, context parallelism, speculative decoding, 'max' concurrency) both must choose the
same plan and give every result to 1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest

from costmodel import CostModelError, Scenario, estimate_arrays, load_catalog, sweep
from costmodel.engine import planner
from costmodel.engine.roofline import evaluate

CAT = load_catalog()
RTOL = 1e-12


def reference_cheapest_plan(model, gpu, eff, scenario, x, n):
    """Every plan through the full ``evaluate``; per point the cheapest that fits and meets the service level
    (else the one that misses it by the least; nothing fits: the largest group)."""
    plans, dp = planner.candidate_plans(model, gpu, x, n)
    stacked = {k: (v[None, :] if v.ndim else v) for k, v in x.items()}
    if dp is not None:
        stacked["attention_dp"] = dp
    stacked["tensor_parallel"] = plans
    every = evaluate(model, gpu, eff, scenario, stacked)
    valid = plans <= np.asarray(x["gpus"])
    fitting = np.broadcast_to(valid & every["fits"], (len(plans), n))
    meeting = fitting & every["meets_slo"]
    cost = np.where(meeting, every["usd_per_request"], np.inf)
    any_fit, any_meets = fitting.any(axis=0), meeting.any(axis=0)
    best = np.where(any_meets, cost.argmin(axis=0), np.argmax(np.where(valid, plans, -1.0), axis=0))
    missed = any_fit & ~any_meets
    if np.any(missed):
        speed_target, ttft_target = x["min_tokens_per_second_per_user"], x["max_ttft_seconds"]
        slow = np.where(speed_target > 0, speed_target / np.maximum(every["tokens_per_second_per_user"], 1e-300), 0.0)
        late = np.where(ttft_target > 0, every["ttft_p99_seconds"] / np.where(ttft_target > 0, ttft_target, 1.0), 0.0)
        closest = np.where(fitting, np.maximum(slow, late), np.inf).argmin(axis=0)
        best = np.where(missed, closest, best)
    out = {}
    for key, value in every.items():
        value = np.broadcast_to(np.asarray(value), np.broadcast_shapes(np.shape(value), (len(plans), n)))
        out[key] = value[best, np.arange(n)]
    out["max_concurrency"] = np.where(valid, every["max_concurrency"], 0.0).max(axis=0)
    out["fits"] = any_fit
    return out


def random_scenarios(seed: int, count: int, points: int):
    """(scenario, axes) pairs drawn across models, GPUs, deployments, precisions, targets and features."""
    rng = np.random.default_rng(seed)
    models, gpus = sorted(CAT.models), sorted(CAT.gpus)
    out = []
    while len(out) < count:
        fields = dict(
            model=str(rng.choice(models)), gpu=str(rng.choice(gpus)),
            gpus=int(rng.choice([1, 2, 3, 4, 6, 8, 12, 16, 32, 64])), weight_bits=int(rng.choice([4, 8, 16])),
            kv_bits=int(rng.choice([8, 16])), compute_dtype=rng.choice([None, None, "bf16", "fp8"]),
            flash_attention=bool(rng.random() > 0.15), paged_kv=bool(rng.random() > 0.15),
            prefix_caching=bool(rng.random() > 0.2), spec_draft_tokens=int(rng.choice([0, 0, 0, 2, 4])),
            utilization=float(rng.choice([1.0, 0.6])),
        )
        if rng.random() < 0.3:
            fields.update(context_parallel=int(rng.choice([1, 2])), gpus=max(fields["gpus"], 2))
        if rng.random() < 0.3:
            fields["min_tokens_per_second_per_user"] = float(rng.choice([5.0, 20.0, 60.0]))
        if rng.random() < 0.3:
            fields["max_ttft_seconds"] = float(rng.choice([0.2, 1.0, 5.0]))
        axes = {
            "prompt_tokens": rng.integers(1, 64_000, points),
            "output_tokens": rng.integers(1, 4_000, points),
            "cache_hit_rate": rng.choice([0.0, 0.5, 0.9], points) * (rng.random(points) < 0.7),
            "concurrency": np.where(rng.random(points) < 0.3, 0, rng.integers(1, 2000, points)),  # 0: 'max'
        }
        if rng.random() < 0.3:
            axes["max_ttft_seconds"] = rng.choice([0.0, 0.5, 2.0], points)
        if rng.random() < 0.3:
            axes["min_tokens_per_second_per_user"] = rng.choice([0.0, 10.0, 40.0], points)
        if rng.random() < 0.2 and "context_parallel" not in fields:
            axes["gpus"] = rng.choice([1, 2, 3, 5, 8, 12, 16], points)
        try:
            scenario = Scenario(**fields)
            estimate_arrays(scenario, **{k: v[:1] for k, v in axes.items()})
        except (CostModelError, ValueError):  # e.g. a dense model given expert fields, a bad combination
            continue
        out.append((scenario, axes))
    return out


def assert_same(got: dict, want: dict, label: str) -> None:
    assert set(got) == set(want), label
    for key in want:
        g, w = np.asarray(got[key]), np.asarray(want[key])
        assert g.shape == w.shape and g.dtype == w.dtype, f"{label} {key}: {g.shape} {g.dtype} vs {w.shape} {w.dtype}"
        if w.dtype.kind == "f":
            np.testing.assert_allclose(g, w, rtol=RTOL, atol=0, equal_nan=True, err_msg=f"{label} {key}")
        else:
            np.testing.assert_array_equal(g, w, err_msg=f"{label} {key}")


@pytest.mark.parametrize("seed", [0, 1])
def test_planner_matches_evaluating_every_plan(seed, monkeypatch):
    cases = random_scenarios(seed, count=30, points=40)
    fast = [estimate_arrays(s, **axes) for s, axes in cases]
    monkeypatch.setattr(planner, "cheapest_plan", reference_cheapest_plan)
    for (scenario, axes), got in zip(cases, fast, strict=True):
        assert_same(got, estimate_arrays(scenario, **axes), f"{scenario.model} on {scenario.gpus} x {scenario.gpu}")


def test_the_grid_reaches_every_kind_of_plan():
    """The grid is only a check where it holds MoE, latent attention, odd deployments and unmet targets."""
    cases = random_scenarios(0, count=30, points=40)
    archs = {CAT.model(s.model).attention for s, _ in cases} | {"moe" for s, _ in cases if CAT.model(s.model).is_moe}
    assert {"mla", "moe"} <= archs
    results = [estimate_arrays(s, **axes) for s, axes in cases]
    assert any(np.any(~r["meets_slo"] & r["fits"]) for r in results)  # targets missed by every plan
    assert any(np.any(r["attention_data_parallel"]) for r in results)
    assert len(np.unique(np.concatenate([r["tensor_parallel"].ravel() for r in results]))) >= 4
    assert any(np.any(np.asarray(r["gpus_provisioned"]) % 2 == 1) for r in results)


def test_sweep_matches_the_reference(monkeypatch):
    scenario = Scenario(model="deepseek-v3", gpu="h200", gpus=16, max_ttft_seconds=2.0)
    axes = {"prompt_tokens": [512, 8192, 60_000], "concurrency": ["max", 8, 512], "cache_hit_rate": [0.0, 0.8]}
    fast = sweep(scenario, **axes)
    monkeypatch.setattr(planner, "cheapest_plan", reference_cheapest_plan)
    slow = sweep(scenario, **axes)
    assert list(fast.columns) == list(slow.columns)
    for column in slow.columns:
        if slow[column].dtype.kind == "f":
            np.testing.assert_allclose(fast[column], slow[column], rtol=RTOL, atol=0, err_msg=column)
        else:
            assert fast[column].equals(slow[column]), column
