"""The wheel works outside the repository: installed in a fresh venv on Python 3.10 and
3.13, with the scylla driver from PyPI, the README's quick start runs against the node.

The interpreters come from pyenv (`pyenv root`/versions/3.10.*, 3.13.*); a missing one is
a failure. The wheel is the one `make package` just built (COODIE_TEST_WHEEL, set by
`make test`), or else built from this checkout once per run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def _interpreter(minor: str) -> Path:
    root = (
        os.environ.get("PYENV_ROOT")
        or subprocess.run(
            ["pyenv", "root"], capture_output=True, text=True, check=False
        ).stdout.strip()
    )
    found = sorted(Path(root or "~/.pyenv").expanduser().glob(f"versions/{minor}.*/bin/python"))
    if not found:
        pytest.fail(f"no Python {minor} under pyenv ({root!r}): pyenv install {minor}")
    return found[-1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("COODIE_TEST_WHEEL")
    if given:
        return Path(given).resolve()
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (whl,) = out.glob("coodie-*.whl")
    return whl


def test_wheel_carries_the_license_and_the_version(wheel: Path) -> None:
    import zipfile

    import coodie

    assert wheel.name.startswith(f"coodie-{coodie.__version__}-")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert "coodie/py.typed" in names
    assert not any(n.startswith("tests/") for n in names)


@pytest.fixture
def spare_my_ks() -> Iterator[None]:
    """The quick start works in keyspace my_ks: drop it afterwards if this test made it."""
    from cassandra.cluster import Cluster

    cluster = Cluster(["127.0.0.1"])
    session = cluster.connect()
    query = "SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = 'my_ks'"
    existed = bool(list(session.execute(query)))
    try:
        yield
    finally:
        if not existed:
            session.execute("DROP KEYSPACE IF EXISTS my_ks", timeout=120)
        cluster.shutdown()


@pytest.mark.parametrize("minor", ["3.10", "3.13"])
def test_readme_quick_start_runs_from_the_wheel(
    minor: str, wheel: Path, tmp_path: Path, spare_my_ks: None
) -> None:
    python = _interpreter(minor)
    env_dir = tmp_path / "venv"
    subprocess.run(
        [str(python), "-m", "venv", "--without-pip", str(env_dir)], check=True, timeout=120
    )
    vpy = env_dir / "bin" / "python"
    # This environment's pip installs into the new one (no pip of its own to set up).
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(vpy),
            "install",
            "-q",
            "--no-compile",
            "--disable-pip-version-check",
            f"{wheel}[scylla]",
        ],
        check=True,
        timeout=600,
    )
    quick_start = re.search(r"```python\n(.*?)```", README.read_text(), re.S)
    assert quick_start is not None
    script = tmp_path / "quick_start.py"
    script.write_text(quick_start.group(1))
    # Run outside the checkout, so `import coodie` can only be the installed wheel.
    run = subprocess.run(
        [str(vpy), "-I", str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    where = subprocess.run(
        [str(vpy), "-I", "-c", "import coodie, sys; print(coodie.__file__, sys.version_info[:2])"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(env_dir) in where and f"({minor.replace('.', ', ')})" in where
    assert "name='Alice'" in run.stdout and "alice@example.com" in run.stdout
    assert "ALLOW FILTERING" in run.stdout  # the to_cql() line
