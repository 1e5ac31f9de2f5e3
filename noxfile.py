"""Development sessions: ``nox`` runs tests, lint and typecheck; ``record``, ``docs`` and ``demo`` on demand.

Every session builds a plain ``venv`` (no virtualenv or uv needed) and installs the package with
the extras from ``pyproject.toml``. CI does not use nox: ``.ci/run`` runs the same commands directly.
"""

from __future__ import annotations

import os

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

LINTED = ("gkeingress", "tests", "benchmarks", "docs/_hooks")
"""What ruff checks, here and in .ci/run."""


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite; cassettes are replayed, nothing reaches a network. Args go to pytest."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff over the package, the tests, the benchmark and the docs hook; the import contracts."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", *LINTED, *session.posargs)
    session.run("lint-imports")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Mypy, strict, over the package, the tests and the benchmark (configured in pyproject.toml)."""
    session.install("-e", ".[dev]")
    session.run("mypy", *session.posargs)


@nox.session(default=False)
def deadcode(session: nox.Session) -> None:
    """Vulture over what ruff checks: code nothing uses. Framework-used names are whitelisted."""
    session.install("-e", ".[dev]")
    session.run(
        "vulture", *LINTED, ".ci/deadcode_whitelist.py", "--min-confidence", "60", *session.posargs
    )


@nox.session(default=False)
def record(session: nox.Session) -> None:
    """Re-record the cassettes of tests/integration/test_recorded_audit.py.

    By default this audits the demo world served by the fake GKE on 127.0.0.1 and rewrites
    ``cassettes/test_recorded_audit/demo_audit.yaml``. With ``GKEINGRESS_PROJECT`` set it audits
    that real project instead, with Application Default Credentials and the current kubeconfig
    context, and writes ``cassettes/test_recorded_audit/real_project.yaml``; read that file
    before committing it (docs/recording.md).

        nox -s record
        GKEINGRESS_PROJECT=my-project nox -s record
    """
    session.install("-e", ".[test]")
    selection = (
        "test_real_project" if os.environ.get("GKEINGRESS_PROJECT") else "not test_real_project"
    )
    session.run(
        "pytest",
        "tests/integration/test_recorded_audit.py",
        "--record-mode=rewrite",
        "-k",
        selection,
        *session.posargs,
    )
    # Prove the new cassettes replay alone, with the network (loopback included) blocked.
    session.run(
        "pytest",
        "tests/integration/test_recorded_audit.py",
        "tests/test_cassettes_hold_no_secrets.py",
        "tests/test_fixtures_are_real.py",
        "--record-mode=none",
        "--block-network",
        "-q",
    )


@nox.session(default=False)
def docs(session: nox.Session) -> None:
    """Build the docs site into ``site/``, strict: any warning fails. ``nox -s docs -- serve`` previews it."""
    session.install("-e", ".[docs]")
    if session.interactive and "serve" in session.posargs:
        session.run("mkdocs", "serve")
    else:
        session.run("mkdocs", "build", "--strict")


@nox.session(default=False)
def demo(session: nox.Session) -> None:
    """Audit the built-in demo world: every finding, no GCP needed."""
    session.install("-e", ".")
    session.run("gkeingress", "demo", *session.posargs)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Audits of 10 to 5000 Ingresses at 50 ms per request against an ideal reader, and a fleet.

    Prints tables (medians of several runs) and writes ``benchmarks/results.json``; args go to
    ``benchmarks/bench.py``, e.g. ``nox -s bench -- --sizes 1000 --repeat 3 --no-fleet``.
    """
    session.install("-e", ".[testing]")  # the fleet's clusters serve HTTPS with trustme's CA
    session.run("python", "benchmarks/bench.py", *session.posargs)
