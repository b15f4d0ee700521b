"""reports/analysis must stay importable without Django (and never pull it in)."""

import pathlib
import subprocess
import sys

import reports.analysis

PACKAGE = pathlib.Path(reports.analysis.__file__).parent
MODULES = sorted(
    f"reports.analysis.{path.stem}"
    for path in PACKAGE.glob("*.py")
    if path.stem != "__init__"
)

BLOCK_DJANGO = """
import importlib.abc, sys

class NoDjango(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"django", "workforce", "surveys", "config"}:
            raise ImportError(f"reports/analysis imported {name}")
        return None

sys.meta_path.insert(0, NoDjango())
"""


def test_every_analysis_module_imports_with_django_blocked():
    assert len(MODULES) >= 9
    code = (
        BLOCK_DJANGO
        + "".join(f"import {module}\n" for module in MODULES)
        + "assert 'django' not in sys.modules\nprint('ok')\n"
    )

    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=PACKAGE.parent.parent,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PACKAGE.parent.parent)},
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "ok"
