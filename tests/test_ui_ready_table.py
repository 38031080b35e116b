"""ui.widgets.ReadyTable (issue 13): a table converted to Arrow once and shared shows what the DataFrame shows,
with the same formats, and its CSV is the frame's."""

import pandas as pd
import pyarrow as pa
from streamlit.testing.v1 import AppTest

from ui.widgets import ReadyTable, ready_table

FRAME = pd.DataFrame({"case": ["a", "b", "c"], "error": [0.1, -0.25, 0.031], "tokens": [1200.0, 35000.0, 7.5]})


def _script() -> None:
    import pandas as pd

    from ui.widgets import ready_table, table

    df = pd.DataFrame({"case": ["a", "b", "c"], "error": [0.1, -0.25, 0.031], "tokens": [1200.0, 35000.0, 7.5]})
    table(df, "plain", "plain")
    table(ready_table(df), "ready", "ready")


def test_a_ready_table_shows_what_the_frame_shows():
    at = AppTest.from_function(_script, default_timeout=30).run()
    assert not at.exception, at.exception
    plain, ready = at.dataframe[0], at.dataframe[1]
    pd.testing.assert_frame_equal(ready.value.reset_index(drop=True), plain.value.reset_index(drop=True),
                                  check_dtype=False)
    assert ready.proto.columns == plain.proto.columns and "%.4g" in ready.proto.columns  # same formats


def test_ready_table_is_arrow_with_its_config_and_keeps_the_frame_for_the_csv():
    ready = ready_table(FRAME, column_config={"error": {"type_config": {"type": "number"}}})
    assert isinstance(ready, ReadyTable) and isinstance(ready.data, pa.Table)
    assert ready.data.column_names == list(FRAME.columns)  # no index column with hide_index
    assert "error" in ready.column_config and "tokens" not in ready.column_config  # 35,000 keeps the default
    assert ready.frame is FRAME


def test_a_column_arrow_refuses_keeps_the_frame():
    mixed = pd.DataFrame({"x": [1, "two", 3.0]}, dtype=object)
    assert ready_table(mixed).data is mixed
