"""costmodel.engine.arrays: the hot path's neutral-value shortcut."""

import numpy as np

from costmodel.engine.arrays import is_scalar_value


def test_a_single_number_equal_to_the_value_is_recognised():
    assert is_scalar_value(0.0, 0) and is_scalar_value(np.float64(1.0), 1) and is_scalar_value(np.asarray(0.0), 0)


def test_other_numbers_and_any_array_are_not():
    assert not is_scalar_value(0.5, 0)
    assert not is_scalar_value(np.zeros(3), 0)  # an array of zeros still takes the array path
    assert not is_scalar_value(np.ones((1,)), 1)
