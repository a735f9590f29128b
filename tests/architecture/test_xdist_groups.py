"""`make test` runs `pytest -n 2 --dist loadgroup`: every test of one xdist_group must run on one
worker, or each worker starts its own JVM engines (tests/xdist_groups.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

GROUPED_TESTS = '''
import os
import pytest

@pytest.mark.xdist_group("engines")
@pytest.mark.parametrize("n", range(12))
def test_grouped(n, tmp_path_factory):
    (tmp_path_factory.getbasetemp().parent / f"ran-{n}").write_text(os.environ["PYTEST_XDIST_WORKER"])

@pytest.mark.parametrize("n", range(12))
def test_free(n):
    pass
'''


def test_one_group_runs_on_one_worker(tmp_path):
    (tmp_path / "test_grouped.py").write_text(GROUPED_TESTS)
    basetemp = tmp_path / "basetemp"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-c", "/dev/null", "-p", "no:cacheprovider", "-p", "no:django",
         "-p", "tests.xdist_groups", "-n", "2", "--dist", "loadgroup", f"--basetemp={basetemp}",
         str(tmp_path / "test_grouped.py")],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    workers = {path.read_text() for path in basetemp.glob("ran-*")}
    assert len(list(basetemp.glob("ran-*"))) == 12
    assert len(workers) == 1, f"one group ran on {sorted(workers)}"
