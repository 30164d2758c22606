"""``pip install .`` builds a wheel that holds the whole package and a working ``rio._core``."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_pip_builds_a_complete_wheel_that_imports(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    # The debug profile keeps this quick; the release profile is what `make build` checks.
    env = {**os.environ, "MATURIN_PEP517_ARGS": "--profile dev"}
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(wheels), str(ROOT)],
        check=True, env=env, timeout=900,
    )  # fmt: skip
    (wheel,) = wheels.glob("rio-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {f"rio/{path.name}" for path in (ROOT / "rio").glob("*.py")}
    assert modules | {"rio/py.typed", "rio/_core.pyi"} <= names
    assert any(name.startswith("rio/_core.") and name.endswith(".so") for name in names)

    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        check=True, timeout=300,
    )  # fmt: skip
    probe = "import rio, rio._core; print(rio.__file__); print(rio.__version__)"
    out = subprocess.run(
        [sys.executable, "-c", probe],
        check=True, capture_output=True, text=True, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)}, timeout=60,
    )  # fmt: skip
    installed_from, version = out.stdout.split()
    assert Path(installed_from).is_relative_to(site)
    assert (
        version
        == subprocess.run(
            [sys.executable, "-c", "import rio; print(rio.__version__)"], capture_output=True, text=True
        ).stdout.strip()
    )
