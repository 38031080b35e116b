"""ui.limits: slider ranges, clamping with notices, and what a shared link's raw values turn into."""

from costmodel import load_catalog
from ui import limits

CATALOG = load_catalog()


def test_context_steps_double_up_to_the_window():
    steps = limits.context_steps(CATALOG.model("llama-3.1-8b"))
    assert steps[0] == 256 and steps[-1] == 131_072 and 2048 in steps
    assert all(b == 2 * a for a, b in zip(steps, steps[1:], strict=False))
    assert steps.index(131_072) - steps.index(2048) == 6  # 2k -> 128k is six steps
    odd = limits.context_steps(CATALOG.model("llama-4-scout"))
    assert odd[-1] == 10_000_000 and odd[-2] == 256 * 2**15  # the Scenario bound, not a power of two


def test_nearest_step_is_log_nearest_and_labels_are_binary_k():
    steps = (1024, 2048, 4096)
    assert limits.nearest_step(steps, 3000) == 4096 and limits.nearest_step(steps, 2800) == 2048
    assert limits.nearest_step(steps, 0) == 1024
    assert [limits.fmt_context(n) for n in (2048, 131_072, 1_048_576, 10_000_000)] == ["2k", "128k", "1M", "10M"]


def test_clamp_with_notices_names_the_window():
    values, notes = limits.clamp_with_notices({"model": "llama-3.1-8b", "prompt_tokens": 200_000, "gpus": 8}, CATALOG)
    assert values["prompt_tokens"] == 131_072 and values["gpus"] == 8
    assert notes == ["Prompt length 200,000 tokens is beyond Llama 3.1 8B's 131,072-token window: "
                     "using 131,072 tokens."]
    values, notes = limits.clamp_with_notices({"model": "mixtral-8x7b", "experts_total": 4, "experts_active": 6},
                                              CATALOG)
    assert values["experts_active"] == 4 and len(notes) == 1
    assert limits.clamp_with_notices({"model": "mixtral-8x7b", "cache_hit_pct": 56.3}, CATALOG)[1] == []


def test_url_notices_clamp_numbers_and_name_what_was_dropped():
    raw = {"prompt_tokens": ["1000000"], "cache_hit_pct": ["150"], "weight_bits": ["3"], "model": ["nope"],
           "gpus": ["<script>"], "kv_bits": ["8"], "output_tokens": ["300"]}
    values = {"model": "llama-3.1-8b", "prompt_tokens": 2048, "cache_hit_pct": 0.0, "weight_bits": 16, "kv_bits": 8,
              "gpus": 8, "output_tokens": 300}
    fixes, notes = limits.url_notices(raw, values, CATALOG)
    assert fixes == {"prompt_tokens": 131_072, "cache_hit_pct": 100.0}
    assert len(notes) == 5  # kv_bits=8 and output_tokens=300 were fine
    assert any("'nope'" in n for n in notes) and any("'3'" in n and "16, 8, 4" in n for n in notes)
    assert any("not a number" in n for n in notes)
    long = limits.url_notices({"model": ["x" * 5000]}, values, CATALOG)[1][0]
    assert len(long) < 200


def test_url_notices_for_the_burst_and_the_spread():
    values = {"model": "llama-3.1-70b", "burst_requests": 0, "output_tokens_cv": 0.0}
    fixes, notes = limits.url_notices({"burst_requests": ["abc"], "output_tokens_cv": ["12"]}, values, CATALOG)
    assert fixes == {"output_tokens_cv": 10.0}  # the Scenario's bound (le=10)
    assert notes == ["The link's burst_requests='abc' is not a number: using 0.",
                     "The link's Output length spread (sd/mean) 12 is outside 0 to 10: using 10."]
    fixes, notes = limits.url_notices({"burst_requests": ["-5"], "output_tokens_cv": ["0.8"]}, values, CATALOG)
    assert fixes == {"burst_requests": 0} and notes == [
        "The link's Burst size (requests) -5 is outside 0 to 10,000,000: using 0."]
