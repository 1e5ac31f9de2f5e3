"""Importing gkeingress, and the commands that only read the registry, load no API client."""

from __future__ import annotations

import subprocess
import sys

import pytest

API_CLIENTS = ("google.cloud.compute_v1", "google.cloud.container_v1", "kubernetes")

PROBE = """
import sys
{code}
print("loaded:" + ",".join(m for m in {clients!r} if m in sys.modules))
"""


def loaded_clients(code: str) -> list[str]:
    """The API client packages a fresh interpreter has loaded after running ``code``."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(code=code, clients=API_CLIENTS)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()[-1]
    return [m for m in out.removeprefix("loaded:").split(",") if m]


@pytest.mark.parametrize(
    "code",
    [
        "import gkeingress",
        "import gkeingress; gkeingress.REGISTRY['NEG_EMPTY']",
        "from gkeingress.cli import main; main(['explain', 'NEG_EMPTY'])",
        "from gkeingress.cli import main; main(['checks'])",
    ],
    ids=["import", "registry", "explain", "checks"],
)
def test_reading_the_catalog_loads_no_api_client(code: str) -> None:
    """A notebook import, `gkeingress explain` and `gkeingress checks` never load the API clients."""
    assert loaded_clients(code) == []


def test_audit_loads_the_clients_on_first_use() -> None:
    """`gkeingress.audit` is still there: asking for it imports the clients then, not before."""
    assert set(loaded_clients("import gkeingress; gkeingress.audit")) >= {
        "google.cloud.compute_v1",
        "kubernetes",
    }
