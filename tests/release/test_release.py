"""Release readiness: the wheel and sdist build, and the wheel works on its own.

`python -m build` makes an sdist, then a wheel from that sdist (so a file
missing from the sdist breaks the wheel). The wheel goes into a fresh
virtualenv outside the source tree, where the README's example must print
what the README says it prints, and `clubrules demo` must tell its story.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import clubrules

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _run(args: list[str | Path], *, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    result = subprocess.run(  # noqa: S603 - our own build tools on our own files
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT], cwd=ROOT)
    return out


def _readme_example() -> tuple[str, list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert code is not None, "the README has no python example"
    expected = [
        line.removeprefix("# ")
        for line in code.group(1).splitlines()
        if line.startswith("# ") and re.match(r"# [\d+]", line)
    ]
    assert expected, "the README example shows no output"
    return code.group(1), expected


def test_build_makes_one_wheel_and_one_sdist_of_the_package_version(dist: Path) -> None:
    version = clubrules.__version__
    wheels = sorted(dist.glob("*.whl"))
    sdists = sorted(dist.glob("*.tar.gz"))
    assert [w.name for w in wheels] == [f"clubrules-{version}-py3-none-any.whl"]
    assert [s.name for s in sdists] == [f"clubrules-{version}.tar.gz"]
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(f"clubrules-{version}.dist-info/METADATA").decode()
    assert "clubrules/py.typed" in names
    assert any(n.startswith("clubrules/storage/migrations/sqlite/") for n in names)
    assert any(n.startswith("clubrules/storage/migrations/postgres/") for n in names)
    assert not any(n.startswith("tests/") for n in names)
    assert f"Version: {version}" in metadata
    assert "Requires-Dist: cryptography" in metadata
    assert "Provides-Extra: postgres" in metadata
    assert "Provides-Extra: sqlalchemy" in metadata
    with tarfile.open(sdists[0]) as sdist:
        members = {m.name.split("/", 1)[1] for m in sdist.getmembers() if "/" in m.name}
    assert {"README.md", "LICENSE", "CHANGELOG.md", "pyproject.toml"} <= members
    assert "src/clubrules/_version.py" in members


def test_the_wheel_runs_the_readme_example_and_the_demo_in_a_clean_venv(
    dist: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=tmp_path)
    python = venv / "bin" / "python"
    [wheel] = dist.glob("*.whl")
    _run([python, "-m", "pip", "install", "--quiet", wheel], cwd=tmp_path)

    # Imported from the venv, not from the source tree.
    where = _run([python, "-c", "import clubrules; print(clubrules.__file__)"], cwd=tmp_path)
    assert str(venv) in where.stdout
    assert str(ROOT) not in where.stdout

    code, expected = _readme_example()
    example = tmp_path / "readme_example.py"
    example.write_text(code, encoding="utf-8")
    printed = _run([python, example], cwd=tmp_path).stdout.splitlines()
    assert printed == expected

    version = _run([venv / "bin" / "clubrules", "--version"], cwd=tmp_path)
    assert version.stdout.strip() == f"clubrules {clubrules.__version__}"
    demo = _run([venv / "bin" / "clubrules", "demo"], cwd=tmp_path)
    assert "== Staff" in demo.stdout
    assert demo.stdout.rstrip().endswith("Done.")
