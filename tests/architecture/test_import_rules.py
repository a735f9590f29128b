"""`make lint` enforces the dependency rule: apps meet only through interface.py."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=cwd, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": f"{cwd}:{REPO}", "PATH": "/usr/bin:/bin"},
    )


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


CONFIG = """
[importlinter]
root_packages =
    alpha
    beta
contract_types =
    app_boundaries: tools.import_contracts.AppBoundariesContract

[importlinter:contract:boundaries]
name = boundaries
type = app_boundaries
apps =
    alpha
    beta
"""


def test_importing_another_apps_models_breaks_the_contract(tmp_path):
    write_tree(tmp_path, {
        ".importlinter": CONFIG,
        "alpha/__init__.py": "", "alpha/models.py": "X = 1\n", "alpha/interface.py": "from alpha.models import X\n",
        "beta/__init__.py": "", "beta/views.py": "from alpha.models import X\n",
    })
    result = lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    assert "beta.views imports alpha.models" in result.stdout


def test_importing_another_apps_interface_keeps_the_contract(tmp_path):
    write_tree(tmp_path, {
        ".importlinter": CONFIG,
        "alpha/__init__.py": "", "alpha/models.py": "X = 1\n", "alpha/interface.py": "from alpha.models import X\n",
        "beta/__init__.py": "", "beta/views.py": "from alpha.interface import X\n",
    })
    result = lint_imports(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_project_keeps_its_contracts():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
