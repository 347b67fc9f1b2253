"""Project tasks. `nox` runs lint, typecheck, tests, contract and check_generated."""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "typecheck", "tests", "contract", "check_generated"]

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
SPEC = ROOT / "openapi" / "snapshot.yaml"
GENERATOR_CONFIG = ROOT / "openapi" / "config.yaml"
POSTPROCESS = ROOT / "openapi" / "postprocess.py"
GENERATED_PACKAGE = "cos_snapshot_api"
GENERATED = ROOT / "generated" / GENERATED_PACKAGE


def _group(name: str) -> list[str]:
    return list(nox.project.dependency_groups(PYPROJECT, name))


def _install_project(session: nox.Session, extras: str = "emulator,cli") -> None:
    session.install("-e", f".[{extras}]")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install(*_group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src/."""
    _install_project(session)
    session.install(*_group("typecheck"))
    session.run("mypy")


@nox.session
def tests(session: nox.Session) -> None:
    """Unit and integration tests under tests/."""
    _install_project(session)
    session.install(*_group("test"))
    session.run("pytest", "tests", *session.posargs)


@nox.session
def contract(session: nox.Session) -> None:
    """The contract suite, against the embedded emulator (or a live bucket, see its README)."""
    _install_project(session)
    session.install(*_group("contract"))
    # On Ctrl-C, give pytest time to run its teardown, which deletes a live target's uploads
    # (nox would otherwise kill it after 0.3 s).
    session.run(
        "pytest",
        "contract_tests",
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
