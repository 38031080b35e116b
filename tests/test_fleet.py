"""Fleet sizing and load shapes, against hand-computed values."""

import numpy as np
import pytest

from costmodel import load_catalog
from costmodel.engine.fleet import gpu_hourly_rate, size_fleet, whole_replicas
from costmodel.errors import CostModelError, UnknownIdError
from costmodel.workloads.load_shape import (
    hourly_busy_gpus,
    load_shape,
    load_shape_from_timestamps,
    load_shapes,
    normalized,
)

CATALOG = load_catalog()


def test_every_preset_shape_averages_one_and_has_a_source():
    for shape in load_shapes().values():
        assert shape.hours == 24
        assert shape.hourly.mean() == pytest.approx(1.0)
        assert shape.source


def test_the_consumer_day_has_deepseeks_peak_to_average():
    assert load_shape("global-consumer-day").peak_to_average == pytest.approx(278 / 226.75, rel=1e-4)
    assert load_shape("flat").peak_to_average == pytest.approx(1.0)
    assert load_shape("business-hours").peak_to_average == pytest.approx(2.0)


def test_an_unknown_shape_names_the_valid_ones():
    with pytest.raises(UnknownIdError, match="business-hours"):
        load_shape("weekend")


def test_fleet_on_a_hand_computed_load_shape():
    # Four hours of load: 3, 9, 20 and 6 busy GPUs; replicas of 8 GPUs, 10 % headroom, $2/GPU-h.
    busy = np.array([3.0, 9.0, 20.0, 6.0])
    fixed = size_fleet(busy, 8, 2.0, peak_headroom=1.1)
    # busiest hour: 20 x 1.1 = 22 GPUs -> 3 replicas = 24 GPUs, held all four hours
    assert fixed.gpus_provisioned == 24 and fixed.replicas_provisioned == 3
    assert fixed.gpu_hours == 96
    assert fixed.busy_gpu_hours == 38
    assert fixed.busy_share == pytest.approx(38 / 96)
    assert fixed.cost_usd == pytest.approx(192.0)
    assert fixed.idle_cost_usd == pytest.approx((96 - 38) * 2.0)
    scaled = size_fleet(busy, 8, 2.0, peak_headroom=1.1, autoscale=True)
    # hour by hour: 3.3 -> 8, 9.9 -> 16, 22 -> 24, 6.6 -> 8
    assert scaled.gpus_per_hour.tolist() == [8, 16, 24, 8]
    assert scaled.gpu_hours == 56 and scaled.gpus_provisioned == 24
    assert scaled.cost_usd == pytest.approx(112.0)
    assert scaled.busy_share == pytest.approx(38 / 56)


def test_a_fleet_is_at_least_one_replica_and_whole_replicas():
    assert whole_replicas(np.array([0.0, 0.1, 8.0, 8.0000000001, 8.01]), 8).tolist() == [8, 8, 8, 8, 16]
    idle = size_fleet(np.zeros(24), 16, 1.0)
    assert idle.gpus_provisioned == 16 and idle.busy_share == 0.0


def test_busy_gpus_follow_the_shape_and_keep_the_work():
    shape = load_shape("business-hours")
    busy = hourly_busy_gpus(86_400.0 * 10, shape)  # 10 GPUs busy on average over a day
    assert busy.sum() == pytest.approx(240.0)  # GPU-hours of work are kept
    assert busy.max() / busy.mean() == pytest.approx(2.0)
    assert hourly_busy_gpus(86_400.0 * 10, shape, hours=72).sum() == pytest.approx(240.0)


def test_shape_from_timestamps_bins_clock_hours():
    t0 = 1_790_812_800.0  # an hour boundary
    ts = np.array([t0 + 10, t0 + 20, t0 + 3600 + 5, t0 + 3 * 3600 + 1])
    shape = load_shape_from_timestamps(ts)
    assert shape.hours == 4
    assert shape.hourly.tolist() == pytest.approx([2.0, 1.0, 0.0, 1.0])
    weighted = load_shape_from_timestamps(ts, weights=np.array([1.0, 1.0, 2.0, 0.0]))
    assert weighted.hourly.tolist() == pytest.approx([2.0, 2.0, 0.0, 0.0])
    assert load_shape_from_timestamps(np.zeros(5)).hours == 1


@pytest.mark.parametrize("bad", [[], [0.0, 0.0], [1.0, -1.0], [1.0, float("nan")]])
def test_bad_shapes_are_one_line_errors(bad):
    with pytest.raises(CostModelError):
        normalized(np.array(bad))


def test_bad_fleet_inputs_are_one_line_errors():
    with pytest.raises(CostModelError, match="headroom"):
        size_fleet(np.ones(3), 8, 2.0, peak_headroom=0.5)
    with pytest.raises(CostModelError, match="whole number"):
        size_fleet(np.ones(3), 0, 2.0)
    with pytest.raises(CostModelError, match="reserved"):
        size_fleet(np.ones(3), 8, 2.0, billing="reserved", autoscale=True)


def test_on_demand_and_reserved_rates_have_sources():
    h100 = CATALOG.gpu("h100-sxm")
    rate, source = gpu_hourly_rate(h100, "on-demand")
    assert rate == h100.hourly_usd and "on-demand" in source
    reserved, source = gpu_hourly_rate(h100, "reserved")
    assert reserved < rate and "reserved" in source
    with pytest.raises(CostModelError, match="no reserved rate"):
        gpu_hourly_rate(CATALOG.gpu("l4"), "reserved")
