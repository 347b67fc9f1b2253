"""Project tasks. `nox` runs lint, typecheck, tests, contract, check_generated, docs and dist."""

# The sessions install with uv where it is there (their installs take a tenth of pip's time,
# from uv's cache after the first): nox reads this block and, if the environment it runs in
# lacks uv, runs itself from one that has it (.nox/_nox_script_mode). Without uv, pip.
# /// script
# dependencies = ["nox>=2025.2.9", "uv"]
# ///

from __future__ import annotations

import filecmp
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|venv"

# Every process the sessions start writes its compiled modules (and pytest's rewritten test
# modules) to __pycache__: uv installs no .pyc files, and the tests start hundreds of Python
# processes (the CLI's, the contract suite's runs), each of which would otherwise compile every
# module it imports again (a pytest run of the contract suite: ~6 CPU-s to collect, ~3 with the
# cache). An environment that turns the cache off (PYTHONDONTWRITEBYTECODE) does not reach them.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
nox.options.reuse_venv = "yes"
nox.options.sessions = [
    "lint",
    "typecheck",
    "tests",
    "contract",
    "check_generated",
    "docs",
    "dist",
]

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
SPEC = ROOT / "openapi" / "snapshot.yaml"
GENERATOR_CONFIG = ROOT / "openapi" / "config.yaml"
POSTPROCESS = ROOT / "openapi" / "postprocess.py"
GENERATED_PACKAGE = "cos_snapshot_api"
GENERATED = ROOT / "generated" / GENERATED_PACKAGE
DOCS = ROOT / "docs"
DOCS_BUILD = DOCS / "_build" / "html"


def _group(name: str) -> list[str]:
    return list(nox.project.dependency_groups(PYPROJECT, name))


def _install_project(session: nox.Session, extras: str = "emulator,cli,contract") -> None:
    """The project, editable, with every extra a session may need (the contract extra brings
    pytest, which mypy and the docs need for the pytest plugin, and the suite's packages, which
    the tests of `cos-snapshot contract` need)."""
    session.install("-e", f".[{extras}]")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check and the layer contracts (lint-imports, configured in
    pyproject.toml; docs/architecture.md explains them)."""
    session.install(*_group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    # lint-imports finds the packages through the import system: the project installed (no
    # extras needed, nothing is imported), contract_tests from the repository root.
    session.install("-e", ".")
    session.run("lint-imports")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src/."""
    _install_project(session)
    session.install(*_group("typecheck"))
    session.run("mypy")


@nox.session
def tests(session: nox.Session) -> None:
    """Unit and integration tests under tests/, on every core (pytest-xdist; `-- -n 0` runs
    them in this process). The load test runs for 8 s here (20 s by default: the README's
    figures come from such a run); its checks are the same whatever the length."""
    _install_project(session)
    session.install(*_group("test"))
    load_seconds = {"COS_SNAPSHOT_LOAD_SECONDS": "8"}
    # A module to a worker, so that its module-scoped fixtures (emulators, videos, the bench
    # run) are made once, in the order tests/conftest.py puts them: the slow ones first.
    dist = ("--dist", "loadscope", "--no-loadscope-reorder")
    # The slowest tests named at the end: what to look at when the run gets long.
    durations = "--durations=30"
    session.run(
        "pytest", "tests", "-n", "auto", *dist, durations, *session.posargs, env=load_seconds
    )


@nox.session
def contract(session: nox.Session) -> None:
    """The contract suite, against the embedded emulator (or a live bucket, see its README)."""
    _install_project(session)
    session.install(*_group("contract"))
    # Against the emulators, a file to each of two workers, the meta-test's first (it runs its
    # own pytest processes, two at a time). A live bucket's run stays in one process, whose
    # Ctrl-C and SIGTERM handling deletes its uploads (contract_tests/test_catches_bugs.py).
    workers = ["-n", "2", "--dist", "loadfile", "--no-loadscope-reorder"]
    if os.environ.get("COS_CONTRACT_BUCKET"):
        workers = []
    # On Ctrl-C, give pytest time to run its teardown, which deletes a live target's uploads
    # (nox would otherwise kill it after 0.3 s).
    session.run(
        "pytest",
        "contract_tests",
        *workers,
        "--durations=30",
        "--junitxml=reports/contract.junit.xml",
        *session.posargs,
        interrupt_timeout=120,
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks (not a default session): writes benchmarks/results.md, results.json and the
    latency plot. BENCH_QUICK=1 for a ~1 minute smoke run; `-- --out DIR` to write elsewhere."""
    _install_project(session)
    session.install(*_group("bench"))
    session.run("python", "-m", "benchmarks", *session.posargs)


def _generate_into(session: nox.Session, out_dir: Path) -> None:
    session.run(
        "openapi-python-client",
        "generate",
        "--path",
        str(SPEC),
        "--config",
        str(GENERATOR_CONFIG),
        "--meta",
        "none",
        "--fail-on-warning",
        "--output-path",
        str(out_dir),
    )
    # Our changes (httpx2, object-key quoting), then the generator's own formatting hooks
    # (openapi/config.yaml, post_hooks) again over the rewritten text.
    session.run("python", str(POSTPROCESS), str(out_dir))
    session.run(
        "ruff", "check", str(out_dir), "--fix-only", "--extend-select=I", "--no-cache", "--isolated"
    )
    session.run("ruff", "format", str(out_dir), "--no-cache", "--isolated")


@nox.session
def generate(session: nox.Session) -> None:
    """Regenerate generated/ from openapi/snapshot.yaml."""
    session.install(*_group("generate"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / GENERATED_PACKAGE
        _generate_into(session, out)
        shutil.rmtree(GENERATED, ignore_errors=True)
        shutil.copytree(out, GENERATED)


def _diff_trees(a: Path, b: Path) -> list[str]:
    cmp = filecmp.dircmp(a, b, ignore=["__pycache__"])
    problems = [f"only in {cmp.left}: {n}" for n in cmp.left_only]
    problems += [f"only in {cmp.right}: {n}" for n in cmp.right_only]
    problems += [f"differs: {Path(cmp.left) / n}" for n in cmp.diff_files]
    for name in cmp.common_dirs:
        problems += _diff_trees(a / name, b / name)
    return problems


@nox.session
def check_generated(session: nox.Session) -> None:
    """Regenerate into a temporary directory and fail on any difference from generated/."""
    session.install(*_group("generate"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / GENERATED_PACKAGE
        _generate_into(session, out)
        problems = _diff_trees(GENERATED, out)
    if problems:
        session.error(
            "generated/ drifted from the spec; run `nox -s generate`:\n" + "\n".join(problems)
        )


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site into docs/_build/html; any warning, a reference that does
    not resolve included, fails the build."""
    _install_project(session)
    session.install(*_group("docs"))
    # -E -a: read and write every page each time, so a warning is never hidden by a cache.
    session.run(
        "sphinx-build",
        "-W",
        "--keep-going",
        "-n",
        "-E",
        "-a",
        "-b",
        "html",
        str(DOCS),
        str(DOCS_BUILD),
        *session.posargs,
    )
    _check_cli_page(session, DOCS_BUILD / "cli.html")


def _check_cli_page(session: nox.Session, page: Path) -> None:
    """The command-line reference as a reader copies from it: options with two hyphens (not
    turned into an en dash by smart quotes) and argparse's text not highlighted as Python."""
    html = page.read_text(encoding="utf-8")
    if "--live" not in html or "\N{EN DASH}live" in html:
        session.error(f"{page}: --live is not shown with two hyphens")
    if "highlight-default" in html or "highlight-python" in html:
        session.error(f"{page}: a usage or an epilog is highlighted as Python")


@nox.session
def pictures(session: nox.Session) -> None:
    """Regenerate the documentation's pictures (docs/contact-sheet.jpg, docs/storyboard.jpg and
    docs/storyboard.vtt) from a clock-style fixture through the emulator (not a default
    session: commit the pictures it writes)."""
    _install_project(session)
    session.run("python", str(DOCS / "make_pictures.py"))


def _wheel_files(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return sorted(archive.namelist())


_NO_HTTPX = """
import importlib.metadata, sys
import cos_snapshot, cos_snapshot_api.api.snapshot.get_snapshot
names = {d.metadata["Name"].lower() for d in importlib.metadata.distributions()}
installed = sorted(names & {"httpx", "httpcore"})
loaded = sorted(n for n in sys.modules if n.split(".")[0] in ("httpx", "httpcore"))
if installed or loaded or "httpx2" not in names:
    sys.exit(f"a plain install: httpx2 {'httpx2' in names}, installed {installed}, loaded {loaded}")
print("a plain install has httpx2 and neither httpx nor httpcore")
"""


@nox.session
def dist(session: nox.Session) -> None:
    """Build the sdist and the wheel and check them as a user would get them: twine check, the
    sdist builds the same wheel, the wheel installed with no extras brings neither httpx nor
    httpcore, and the wheel installed with the emulator extra in a fresh
    virtual environment runs `cos-snapshot --version` and `cos-snapshot demo` in an empty
    directory. `-- DIR` keeps the sdist and wheel in DIR (the release workflow publishes those).
    """
    session.install(*_group("dist"))
    # uv (from build[uv]) makes the build environments and installs the wheel in the fresh
    # environments below: what gets installed is the same as with pip, in a fraction of the time.
    build = ("python", "-m", "build", "--installer", "uv")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        out = work / "dist"
        # The sdist first, then the wheel built from it (build's default), and one wheel
        # straight from the tree to compare with.
        session.run(*build, "--outdir", str(out), str(ROOT))
        session.run(*build, "--wheel", "--outdir", str(work / "tree"), str(ROOT))
        (sdist,) = out.glob("*.tar.gz")
        (wheel,) = out.glob("*.whl")
        (tree_wheel,) = (work / "tree").glob("*.whl")
        session.run("twine", "check", "--strict", str(sdist), str(wheel))
        if _wheel_files(wheel) != _wheel_files(tree_wheel):
            only_sdist = set(_wheel_files(wheel)) - set(_wheel_files(tree_wheel))
            only_tree = set(_wheel_files(tree_wheel)) - set(_wheel_files(wheel))
            session.error(
                "the sdist builds a different wheel than the tree: "
                f"only from the sdist {sorted(only_sdist)}, only from the tree {sorted(only_tree)}"
            )

        # `pip install cos-snapshot` with no extras: httpx2 and attrs, never httpx or httpcore.
        bare = work / "bare"
        session.run("uv", "venv", "-q", str(bare))
        bare_python = str(bare / "bin" / "python")
        session.run("uv", "pip", "install", "-q", "--python", bare_python, str(wheel))
        session.run(bare_python, "-c", _NO_HTTPX, external=True)

        venv = work / "venv"
        empty = work / "empty"
        empty.mkdir()
        session.run("uv", "venv", "-q", str(venv))
        python, cli = str(venv / "bin" / "python"), str(venv / "bin" / "cos-snapshot")
        session.run("uv", "pip", "install", "-q", "--python", python, f"{wheel}[emulator]")
        version = wheel.name.split("-")[1]
        with session.chdir(empty):
            shown = session.run(cli, "--version", external=True, silent=True)
            if not isinstance(shown, str) or shown.strip() != f"cos-snapshot {version}":
                session.error(f"cos-snapshot --version says {shown!r}, the wheel is {version}")
            session.run(python, "-c", "import cos_snapshot", external=True)
            session.run(cli, "demo", "--output-dir", str(work / "demo"), external=True)
        if session.posargs:
            keep = Path(session.posargs[0])
            keep.mkdir(parents=True, exist_ok=True)
            for built in (sdist, wheel):
                shutil.copy2(built, keep / built.name)
            session.log(f"kept {sdist.name} and {wheel.name} in {keep}")
