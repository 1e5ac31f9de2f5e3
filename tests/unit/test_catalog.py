"""The findings catalog: every code is documented, tested, and reachable from its docs_url."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from gkeingress.checks import REGISTRY
from gkeingress.checks.registry import DOCS_BASE, Check

ROOT = Path(__file__).resolve().parents[2]
CODES = [item.code for item in REGISTRY]


def _hook() -> ModuleType:
    """The docs build hook, loaded the way MkDocs loads it: from its file."""
    pytest.importorskip("mkdocs", reason="the docs extra is not installed")
    spec = importlib.util.spec_from_file_location("generate", ROOT / "docs/_hooks/generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("item", list(REGISTRY), ids=CODES)
def test_every_check_is_documented(item: Check) -> None:
    """Each code has a title, an explanation, its evidence, a fix and https documentation links."""
    for field in (item.title, item.explanation, item.evidence, item.fix):
        assert field.strip(), f"{item.code} has an empty catalog field"
    assert item.links, f"{item.code} links to no documentation"
    assert all(link.startswith("https://") for link in item.links), item.links


@pytest.mark.parametrize("code", CODES)
def test_every_code_has_a_test_that_names_it(code: str) -> None:
    """Some test file other than this one names the code: each finding has a scenario test."""
    others = (p for p in (ROOT / "tests").rglob("test_*.py") if p.name != Path(__file__).name)
    assert any(code in path.read_text(encoding="utf-8") for path in others), code


def test_catalog_has_one_section_per_code_at_its_docs_url() -> None:
    """The generated page has one heading per code, in registry order, with the docs_url anchor."""
    page = _hook().catalog_markdown()
    headings = re.findall(r"^## (\S+) \{ #([a-z0-9-]+) \}$", page, flags=re.MULTILINE)
    assert [code for code, _ in headings] == CODES
    for (_, anchor), item in zip(headings, REGISTRY, strict=True):
        assert item.docs_url == f"{DOCS_BASE}{anchor}"


def test_catalog_sections_carry_evidence_fix_and_links() -> None:
    """A code's section shows what its findings show, how to fix it, and its documentation."""
    page = _hook().catalog_markdown()
    item = REGISTRY["HEALTH_CHECK_PATH_MISMATCH"]
    section = page.split("## HEALTH_CHECK_PATH_MISMATCH ", 1)[1].split("\n## ", 1)[0]
    assert item.evidence in section
    assert item.fix in section
    assert all(f"<{link}>" in section for link in item.links)


def test_docs_urls_point_at_the_published_catalog() -> None:
    """Finding links start with the site's address of the findings page."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert f"{config['site_url']}findings/#" == DOCS_BASE


def test_catalog_shows_which_code_explains_which() -> None:
    """The root-cause table lists the target-port chain and the ClusterIP chain, linked to codes."""
    page = _hook().catalog_markdown()
    table = page.split("## Root causes and their consequences", 1)[1].split("\n## ", 1)[0]
    rows = [
        tuple(re.findall(r"\[`([A-Z_]+)`\]", line))
        for line in table.splitlines()
        if line.startswith("| [")
    ]
    assert ("TARGET_PORT_NOT_EXPOSED", "SERVICE_NO_READY_ENDPOINTS") in rows
    assert ("NEG_EMPTY", "BACKEND_UNHEALTHY") in rows
    assert ("SERVICE_TYPE_INCOMPATIBLE", "SYNC_ERROR") in rows
    assert ("SYNC_ERROR", "INGRESS_NOT_PROVISIONED") in rows
    assert "(#target-port-not-exposed)" in table


def test_catalog_says_which_faults_waiting_cannot_clear() -> None:
    """A needs_change code's section says `gkeingress wait` stops on it; others say nothing."""
    page: str = _hook().catalog_markdown()

    def section(code: str) -> str:
        return page.split(f"## {code} ", 1)[1].split("\n## ", 1)[0]

    assert "**Waiting does not clear it:**" in section("HEALTH_CHECK_PATH_MISMATCH")
    assert "Waiting does not clear it" not in section("NEG_EMPTY")


def test_the_permissions_page_and_custom_role_name_the_evidence_permission() -> None:
    """monitoring.timeSeries.list is on the permissions page and in the custom-role command."""
    hook = _hook()
    assert "- `monitoring.timeSeries.list`" in hook.evidence_permissions_markdown()
    role = hook.custom_role_markdown()
    assert "monitoring.timeSeries.list" in role
    assert "compute.urlMaps.list" in role
