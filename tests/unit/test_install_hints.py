"""Install hints never send users to the PyPI project named `coodie` (it is another one).

The driver hints name the driver's own distribution; the docs and the README say how
to install this project from its repository or a wheel.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from coodie.connection import init_coodie
from coodie.exceptions import ConfigurationError

ROOT = Path(__file__).resolve().parents[2]
# `pip install coodie`, `pip install "coodie[x]"`, `pip install -U coodie==1` ...
PYPI_COODIE = re.compile(r"pip install\s+(?:-\S+\s+)*['\"]?coodie(?=$|[\s\[=<>~!'\"])")


@pytest.mark.parametrize(
    ("driver_type", "module", "package"),
    [
        ("scylla", "coodie.drivers.cassandra", "scylla-driver"),
        ("cassandra", "coodie.drivers.cassandra", "cassandra-driver"),
        ("acsylla", "coodie.drivers.acsylla", "acsylla"),
    ],
)
def test_a_missing_driver_names_its_own_package(
    driver_type: str, module: str, package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    with pytest.raises(ConfigurationError) as e:
        init_coodie(hosts=["127.0.0.1"], keyspace="ks", driver_type=driver_type, name="hint")
    assert f"pip install {package} " in str(e.value)
    assert not PYPI_COODIE.search(str(e.value))


def test_the_pattern_catches_the_pypi_name() -> None:
    bad_ones = ("pip install coodie", "pip install 'coodie[scylla]'", "pip install -U coodie>=1")
    for bad in bad_ones:
        assert PYPI_COODIE.search(bad), bad
    good_ones = ('pip install ".[scylla]"', "pip install acsylla", "pip install coodie-0.1-py3.whl")
    for good in good_ones:
        assert not PYPI_COODIE.search(good), good


def test_no_source_doc_or_readme_says_pip_install_coodie() -> None:
    files = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "src").rglob("*.py")]
    files += list((ROOT / "examples").rglob("*.md")) + list((ROOT / "examples").rglob("*.py"))
    offenders = [
        f"{f.relative_to(ROOT)}:{n}"
        for f in files
        for n, line in enumerate(f.read_text().splitlines(), 1)
        if PYPI_COODIE.search(line)
    ]
    assert offenders == []
