"""costmodel.analysis.fit: the reason a scenario does not fit, by hand, and suggestions the engine confirms."""

import pytest

from costmodel import Scenario, estimate, load_catalog
from costmodel.analysis.fit import fit_advice, usable_bytes

CAT = load_catalog()
DSV3_128K = Scenario(model="deepseek-v3", gpu="b200", gpus=8, prompt_tokens=131_072)


def test_deepseek_v3_in_16_bits_on_8_b200_does_not_fit_and_says_why():
    a = fit_advice(DSV3_128K, CAT)
    assert not a.fits and a.tensor_parallel == 8
    gpu = CAT.gpu("b200")
    share = CAT.efficiency_for(gpu).memory_utilization
    assert a.usable_bytes == pytest.approx(8 * gpu.memory_bytes * share)  # 8 x 180 GB x 90% = 1,296 GB
    # MLA caches (512 + 64) values of 2 bytes in 61 layers: 70,272 bytes per token, over the prompt and the
    # average half of the answer
    assert a.kv_bytes_per_request == pytest.approx(70_272 * (131_072 + 256 / 2))
    assert a.weights_bytes > a.usable_bytes and a.reason.startswith("The weights alone need 1,351 GB")
    levers = {lever: value for lever, value, _ in a.suggestions}
    assert levers == {"weight_bits": 8, "gpus": 16}  # a shorter prompt cannot help: the weights do not fit
    for lever, value in levers.items():  # every suggestion fits, and the next step down does not
        assert estimate(DSV3_128K.model_copy(update={lever: value}), CAT).fits
    assert not estimate(DSV3_128K.model_copy(update={"gpus": 8, "weight_bits": 16}), CAT).fits
    assert "It would fit with 8-bit weights; or 16 GPUs." in a.summary()


def test_a_long_prompt_that_crowds_out_memory_gets_a_shorter_prompt():
    s = Scenario(model="llama-3.1-8b", gpu="l4", gpus=1, prompt_tokens=131_072 - 256)
    r = estimate(s, CAT)
    assert not r.fits and r.weights_bytes < usable_bytes(s, CAT, 1)
    a = fit_advice(s, CAT, r)
    assert a.reason.startswith("The weights plus one request's KV cache")
    prompt = dict((k, v) for k, v, _ in a.suggestions)["prompt_tokens"]
    assert estimate(s.model_copy(update={"prompt_tokens": prompt}), CAT).fits
    assert not estimate(s.model_copy(update={"prompt_tokens": int(prompt * 1.3)}), CAT).fits  # about the longest


def test_a_fitting_scenario_has_no_suggestions():
    a = fit_advice(Scenario(), CAT)
    assert a.fits and a.suggestions == () and a.summary() == "The model and one request fit in memory."
