"""A plain (non-editable) install, as from a wheel or a package index, runs `charrnn train`
and finds every preset by name, and samples tunes from the shipped model: the presets and
the models travel inside the package."""

import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SOURCES = ["setup.py", "setup.cfg", "pyproject.toml", "README.md", "charrnn", "configs"]

pytestmark = pytest.mark.slow  # a wheel built, a virtual environment, real processes


def copy_sources(target):
    """The files a build reads, copied so the build leaves nothing in the checkout."""
    target.mkdir()
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    return target


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A virtual environment holding charrnn installed from a wheel of a copy of this
    checkout, with no network and no build isolation: the wheel is built by this
    interpreter's setuptools and wheel (the test extras), and the environment sees this
    interpreter's packages (torch and the rest), whether it is a virtual environment or not."""
    root = tmp_path_factory.mktemp("install")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-index",
                            "--no-build-isolation", "-w", str(root / "wheels"),
                            str(copy_sources(root / "src"))],
                           capture_output=True, text=True, env=clean_env(), timeout=300)
    assert built.returncode == 0, built.stderr
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    see_these_packages(venv)
    python = venv / "bin" / "python"
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                           *map(str, (root / "wheels").glob("charrnn-*.whl"))],
                          capture_output=True, text=True, env=clean_env(), timeout=300)
    assert done.returncode == 0, done.stderr
    return venv


def see_these_packages(venv):
    """A .pth file in venv that puts this interpreter's site directories after its own.
    `venv --system-site-packages` would not do: made from a virtual environment, it sees the
    base interpreter's packages, not the ones this interpreter runs with. Paths named in a
    .pth file are not read for .pth files of their own, so this checkout's editable install
    does not follow them in."""
    sites = [*site.getsitepackages(), *([site.getusersitepackages()] if site.ENABLE_USER_SITE else [])]
    purelib = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    Path(purelib, "outer.pth").write_text("".join(f"{path}\n" for path in sites if Path(path).is_dir()))


def clean_env():
    """No PYTHONPATH, so the checkout is not what runs."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def run(venv, *args, cwd):
    return subprocess.run([str(venv / "bin" / "charrnn"), *map(str, args)], capture_output=True,
                          text=True, env=clean_env(), cwd=cwd, timeout=300)


def test_the_installed_package_holds_every_preset(installed, tmp_path):
    code = ("import charrnn, charrnn.run.presets as p; print(charrnn.__file__); "
            "print('\\n'.join(f'{n} {f}' for n, f in p.available().items()))")
    done = subprocess.run([str(installed / "bin" / "python"), "-c", code], capture_output=True,
                          text=True, env=clean_env(), cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    location, *lines = done.stdout.splitlines()
    assert Path(location).is_relative_to(installed)
    found = dict(line.split(" ", 1) for line in lines)
    assert sorted(found) == sorted(p.stem for p in (REPO / "configs").glob("*.toml"))
    for name, path in found.items():
        assert Path(path).is_relative_to(installed)
        assert Path(path).read_bytes() == (REPO / "configs" / f"{name}.toml").read_bytes()


def test_installed_train_runs_the_default_and_named_presets(installed, tmp_path):
    assert 'corpus = "music21:oneills1850"' in run(installed, "train", "--dry-run", cwd=tmp_path).stdout
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the cat sat on the mat. " * 100, encoding="utf-8")
    done = run(installed, "train", "--config", "tiny", "--corpus", corpus, "--max-steps", 2,
               "--eval-every", 2, "--batch-size", 4, "--seq-len", 16, "--out", tmp_path / "run",
               "--device", "cpu", "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Stopped at step 2" in done.stderr and (tmp_path / "run" / "best.pt").exists()


def test_installed_train_lists_the_presets_for_a_wrong_name(installed, tmp_path):
    done = run(installed, "train", "--config", "defualt", "--dry-run", cwd=tmp_path)
    assert done.returncode == 1
    names = ", ".join(sorted(p.stem for p in (REPO / "configs").glob("*.toml")))
    assert done.stderr.strip() == (f"Error: no config file or preset named 'defualt' (presets: "
                                   f"{names}); did you mean 'default'?")


def test_installed_package_samples_tunes_from_the_shipped_model(installed, tmp_path):
    listed = run(installed, "models", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    folk = json.loads(listed.stdout)["folk"]
    assert Path(folk["file"]).is_relative_to(installed)
    assert Path(folk["file"]).read_bytes() == (REPO / "charrnn" / "shipped" / "folk.pt").read_bytes()
    done = run(installed, "sample", "folk", "--abc", "-n", 2, "--seed", 1, "--out", tmp_path / "tunes",
               "--no-page", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2 tunes made: 2 valid" in done.stderr
    tunes = sorted((tmp_path / "tunes").glob("*.abc"))
    assert len(tunes) == 2 and all(t.read_text().startswith("X:") for t in tunes)
