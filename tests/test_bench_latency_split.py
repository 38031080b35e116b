"""benchmarks/bench_latency_split.py's pure parts (no browser): frames in, the change's split out."""

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.benchmark_scripts import load_benchmark


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("bench_latency_split")


def _metric_frame(body: str, area: int, label: str = "Cost per request") -> bytes:
    fm = ForwardMsg()
    fm.metadata.delta_path.extend([area, 3])
    fm.delta.new_element.metric.label = label
    fm.delta.new_element.metric.body = body
    return fm.SerializeToString()


def test_decode_frame_reads_the_main_area_headline_only(bench):
    assert bench.decode_frame(_metric_frame("$0.012", 0), 1.0).headline_body == "$0.012"
    assert bench.decode_frame(_metric_frame("$0.012", 1), 1.0).headline_body is None  # the sidebar's
    assert bench.decode_frame(_metric_frame("1,234 tok/s", 0, "Output throughput"), 1.0).headline_body is None
    assert bench.decode_frame(b"\xff\x00 not a message", 1.0).headline_body is None
    assert bench.decode_frame("text frame", 2.0).t == 2.0


def test_split_times_each_part_from_the_send_and_the_headline_frame(bench):
    F = bench.Frame
    change = bench.Change(
        pressed=10.0, shown=10.300, new_text="$0.020",
        sent=[9.0, 10.040],  # a frame before the press (a heartbeat) is not this change's
        received=[F(10.060), F(10.100, "$0.015"), F(10.150, "$0.020"), F(10.200)],
    )
    row = bench.split(change)
    assert row["press_to_sent"] == pytest.approx(40)
    assert row["sent_to_first"] == pytest.approx(20)
    assert row["sent_to_headline_frame"] == pytest.approx(110)  # the frame with the NEW text, not the old metric
    assert row["headline_frame_to_shown"] == pytest.approx(150)
    assert row["total"] == pytest.approx(300)
    assert row["headline_frame_index"] == 2 and row["frames"] == 4 and row["frames_sent"] == 1


def test_split_gives_none_without_a_send_or_a_headline_frame(bench):
    F = bench.Frame
    assert bench.split(bench.Change(10.0, 10.3, "$1", sent=[9.0], received=[F(10.1, "$1")])) is None
    assert bench.split(bench.Change(10.0, 10.3, "$1", sent=[10.01], received=[F(10.1, "$2")])) is None


def test_summary_quartiles(bench):
    rows = [{k: float(v) for k in bench.FIELDS} for v in (1, 2, 3, 4, 5)]
    s = bench.summarize(rows)
    assert s["total"] == {"median": 3.0, "q1": 2.0, "q3": 4.0}
    assert bench.summarize([])["total"] == {"median": None, "q1": None, "q3": None}
    one = {k: 7.26 for k in bench.FIELDS}
    assert bench.summarize([one])["frames"] == {"median": 7.3, "q1": 7.3, "q3": 7.3}
