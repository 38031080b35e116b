"""costmodel never imports Streamlit: the library must stay usable without the UI."""

import subprocess
import sys


def test_costmodel_does_not_import_streamlit():
    code = "import sys, costmodel, costmodel.cli.main; assert 'streamlit' not in sys.modules, 'streamlit imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
