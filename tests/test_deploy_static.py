"""deploy/cluster.py: the front-end folder handed to nginx is one its workers can read (started by root they run
as nobody, and CI's clone lies in a private 0700 folder: the installed files answered 403 there)."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.benchmark_scripts import load_script

DEPLOY = Path(__file__).resolve().parents[1] / "deploy" / "cluster.py"


@pytest.fixture(scope="module")
def cluster():
    return load_script(DEPLOY, "deploy_cluster")


def _static_tree(root: Path) -> Path:
    (root / "static" / "js").mkdir(parents=True)
    (root / "static" / "js" / "index.abc.js").write_text("console.log(1)")
    return root / "static"


def test_a_folder_everyone_can_read_is_served_as_it_is(cluster, tmp_path):
    open_root = Path(tempfile.mkdtemp(dir="/tmp"))  # pytest's tmp_path lies below a private folder
    try:
        installed = _static_tree(open_root)
        for p in (open_root, installed, installed / "js"):
            p.chmod(0o755)
        assert cluster._open_to_everyone(installed)
        assert cluster.static_root_for_workers(tmp_path, installed) == installed
        assert not (tmp_path / "static").exists()  # nothing copied
    finally:
        shutil.rmtree(open_root)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root's nginx hands its workers to nobody")
def test_a_private_folder_is_copied_where_the_workers_can_read_it(cluster, tmp_path, tmp_path_factory):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    private.chmod(0o700)
    installed = _static_tree(private)
    assert not cluster._open_to_everyone(installed)
    work = tmp_path_factory.mktemp("work")
    served = cluster.static_root_for_workers(work, installed)
    assert served == work / "static"
    assert (served / "js" / "index.abc.js").read_text() == "console.log(1)"
    assert oct(served.stat().st_mode & 0o777) == oct(0o755) and oct(work.stat().st_mode & 0o777) == oct(0o755)
