"""CDNA3's ROCm mechanisms: sustained matrix clocks per board, and the kernel figures fitted to measured step times."""

from __future__ import annotations

from pathlib import Path

import pytest

from costmodel.catalog.hardware import GPU
from costmodel.catalog.loader import load_catalog
from costmodel.engine.inference import estimate
from costmodel.engine.scenario import Scenario
from tests.benchmark_scripts import load_script

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "fit_cdna3_decode_kernels.py"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_clock_share_is_amds_measured_clock_over_the_peaks_clock(catalog):
    # AMD's Max-Achievable FLOPs part 2, Table 1: 1,230 / 1,464 MHz FP8 and 1,207 / 1,447 MHz BF16, peaks at 2,100
    assert catalog.gpu("mi300x").matrix_clock_share("fp8") == pytest.approx(1230 / 2100)
    assert catalog.gpu("mi325x").matrix_clock_share("bf16") == pytest.approx(1447 / 2100)
    assert catalog.gpu("mi300x").matrix_clock_share("fp4") == pytest.approx(1230 / 2100)  # falls back like the peaks
    assert catalog.gpu("h100-sxm").matrix_clock_share("fp8") == 1.0  # not measured: the fitted MFU carries it


def test_compute_bound_prefill_scales_with_the_sustained_clock(catalog):
    # same silicon and peaks, different power limits: a long prefill (compute-bound) runs 1,464 / 1,230 faster on
    # MI325X at FP8, where the datasheets alone would make them equal
    s = Scenario(model="llama-3.3-70b", gpu="mi300x", gpus=1, tensor_parallel=1, weight_bits=8, prompt_tokens=8_000,
                 output_tokens=1, concurrency=1)
    slow = estimate(s, catalog).prefill_seconds_per_request
    fast = estimate(s.model_copy(update={"gpu": "mi325x"}), catalog).prefill_seconds_per_request
    assert slow / fast == pytest.approx(1464 / 1230, rel=0.03)
    assert estimate(s, catalog).peak_flops_per_second == pytest.approx(2614.9e12)  # the peak reported stays the datasheet's


def _gpu(**update) -> dict:
    base = dict(id="x", name="X", vendor="amd", family="cdna3", dense_tflops={"bf16": 100.0, "fp8": 200.0},
                memory_gb=10, memory_bandwidth_tb_s=1, interconnect_gb_s=10, interconnect="IF",
                scale_up_domain_gpus=8, hourly_usd=1, price_source="test", price_date="2026-01-01", source="test",
                checked="2026-01-01")
    return {**base, **update}


@pytest.mark.parametrize("update, message", [
    ({"sustained_matrix_clock_mhz": {"fp8": 1000}}, "needs boost_clock_mhz"),
    ({"sustained_matrix_clock_mhz": {"fp8": 2500}, "boost_clock_mhz": 2100, "clock_source": "s"}, "within"),
    ({"sustained_matrix_clock_mhz": {"fp4": 1000}, "boost_clock_mhz": 2100, "clock_source": "s"}, "listed precisions"),
])
def test_sustained_clocks_are_checked_at_load(update, message):
    with pytest.raises(ValueError, match=message):
        GPU(**_gpu(**update))


def test_shipped_cdna3_kernel_figures_are_the_fit_to_the_measured_step_times(catalog):
    fit = load_script(SCRIPT, "fit_cdna3_decode_kernels")
    rows = fit.measured_tpot_ms(catalog)
    assert len(rows) == 8  # MI300X conc 4/16/64 at 1k and 8k prompts, and MI325X's two later conc-4 runs
    table = fit.tpot_objective(catalog)
    eff = catalog.efficiency["cdna3"]
    assert fit.best_point(table) == (eff.kernel_latency_us, eff.mla_decode_attention_efficiency)
    assert table.to_numpy().min() <= 0.08  # median 6% off the published TPOTs at the best point
    # the generic figures (3 us per kernel, FlashMLA-class 0.55) miss the ROCm step times by far more
    assert table.loc[3.0, 0.55] >= 3 * table.to_numpy().min()
