"""MkDocs hook: pages generated from the code, so the docs cannot drift from it.

- ``findings.md`` is written whole from :data:`gkeingress.checks.REGISTRY`, one section per code,
  each with the anchor its :attr:`~gkeingress.checks.registry.Check.docs_url` points at.
- ``report.schema.json`` is the package's JSON report schema, published where its ``$id`` says.
- In ``permissions.md`` and ``schemas.md`` the markers ``<!-- generated: NAME -->`` are replaced
  by the Compute permissions, the RBAC ClusterRole, the SARIF rules and the JSON report schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from gkeingress import permissions
from gkeingress.checks import REGISTRY
from gkeingress.checks.causes import CAUSES, Cause
from gkeingress.checks.registry import DOCS_BASE, Check, Registry
from gkeingress.render.sarif import LEVEL
from gkeingress.schemas import fleet_schema, report_schema

CATALOG_PAGE = "findings.md"
SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "report.schema.json": report_schema,
    "fleet.schema.json": fleet_schema,
}
"""Published at the site root, where each schema's ``$id`` says it lives."""


def anchor(item: Check) -> str:
    """The fragment of the check's ``docs_url``: the id of its catalog heading."""
    return item.docs_url.partition("#")[2]


def _entry(item: Check) -> str:
    requires = ", ".join(f"`{kind.value}`" for kind in sorted(item.requires))
    links = "\n".join(f"- <{url}>" for url in item.links)
    return (
        f"## {item.code} {{ #{anchor(item)} }}\n\n"
        f"**{item.title}.** Severity: **{item.severity_range}**"
        + (f" (default {item.severity.value})" if len(item.severities) > 1 else "")
        + ".\n\n"
        f"**What it means and why it happens.** {item.explanation}\n\n"
        f"**Evidence.** {item.evidence}\n\n"
        f"**How to fix.** {item.fix}\n\n"
        f"**Reads:** {requires or 'nothing: the audit itself emits it'}.\n\n"
        + (
            "**Waiting does not clear it:** only a change does, so `gkeingress wait` stops "
            "early on it (unless `--no-fail-fast`).\n\n"
            if item.needs_change
            else ""
        )
        + f"**GKE documentation:**\n\n{links}\n"
    )


def causes_markdown(causes: Iterable[Cause] = CAUSES, registry: Registry = REGISTRY) -> str:
    """The root-cause table: which code explains which, and on what both must agree."""

    def code(name: str) -> str:
        return f"[`{name}`](#{anchor(registry[name])})"

    rows = "\n".join(
        f"| {code(c.cause)} | {code(c.consequence)} | {c.join.meaning}"
        + (f", or it says `{c.says}`" if c.says else "")
        + " |"
        for c in causes
    )
    return (
        "## Root causes and their consequences { #root-causes }\n\n"
        "One fault often shows as several findings. In a report, a finding of the first column "
        "explains a finding of the second when both are about what the third column says; the "
        "explained finding is folded beneath its cause, and names it in `caused_by` (by finding "
        "`id`; the cause lists it in `consequences`). When a finding's direct cause is not "
        "reported, the cause of that cause explains it (through backend and Ingress rules only). "
        "Every finding still counts for `--fail-on` and appears in JSON and SARIF. The table is "
        "`gkeingress.checks.causes.CAUSES`.\n\n"
        "| Cause | Explains | When both are about |\n|---|---|---|\n"
        f"{rows}\n\n"
    )


def catalog_markdown(registry: Registry = REGISTRY) -> str:
    """The findings catalog page: a table of every code, the root-cause table, one section per code."""
    rows = "\n".join(
        f"| [`{c.code}`](#{anchor(c)}) | {c.severity_range} | {c.title} |" for c in registry
    )
    return (
        "# Findings catalog\n\n"
        "Every finding code gkeingress reports, in the order the checks run. This page is generated "
        "from the check registry (`gkeingress.checks.REGISTRY`) when the docs are built; "
        "`gkeingress explain CODE` prints the same explanation, and every finding's `docs_url` points "
        "at its section here.\n\n"
        "A check that adapts its severity to the case shows its range, such as warning–error; "
        "its section says when each applies. "
        "The **Evidence** paragraph names the keys of the finding's `evidence` object in the JSON "
        "report.\n\n"
        "| Code | Severity | Title |\n|---|---|---|\n"
        f"{rows}\n\n" + causes_markdown(registry=registry) + "\n".join(_entry(c) for c in registry)
    )


def _bullets(names: Iterable[str]) -> str:
    return "\n".join(f"- `{name}`" for name in names) + "\n"


def compute_permissions_markdown() -> str:
    """The Compute Engine permissions the audit needs, one bullet each."""
    return _bullets(permissions.COMPUTE_PERMISSIONS)


def container_permissions_markdown() -> str:
    """The Container API permissions of an audit by cluster name or of a fleet, one bullet each."""
    return _bullets(permissions.CONTAINER_PERMISSIONS)


def evidence_permissions_markdown() -> str:
    """The permissions for reading the load balancers' own evidence, one bullet each."""
    return _bullets(permissions.EVIDENCE_PERMISSIONS)


def wait_permissions_markdown() -> str:
    """The permissions ``gkeingress wait`` needs beyond the audit's, one bullet each."""
    return _bullets(permissions.WAIT_PERMISSIONS)


def custom_role_markdown() -> str:
    """The gcloud command that creates a custom role with exactly those permissions."""
    return (
        "```sh\ngcloud iam roles create gkeingressAuditor --project=PROJECT \\\n"
        '    --title="gkeingress auditor" \\\n'
        "    --permissions="
        f"{','.join((*permissions.COMPUTE_PERMISSIONS, *permissions.EVIDENCE_PERMISSIONS))}\n```\n"
    )


def cluster_role_markdown() -> str:
    """The read-only ClusterRole as a YAML code block."""
    return f"```yaml\n{permissions.cluster_role_yaml()}```\n"


def sarif_rules_markdown(registry: Registry = REGISTRY) -> str:
    """One row per SARIF rule: the code, its default SARIF level and its catalog entry."""
    rows = "\n".join(
        f"| `{c.code}` | `{LEVEL[c.severity]}` | [{c.title}](findings.md#{anchor(c)}) |"
        for c in registry
    )
    return "| Rule id | Default level | Catalog |\n|---|---|---|\n" + rows + "\n"


def _type_of(spec: dict[str, Any]) -> str:
    """A field's type in a few words: ``string or null``, ``array of finding``, ``always 1``."""
    if "const" in spec:
        return f"always `{json.dumps(spec['const'])}`"
    if "$ref" in spec:
        return str(spec["$ref"]).rpartition("/")[2]
    kind = spec.get("type", "any")
    if kind == "array" and isinstance(spec.get("items"), dict):
        return f"array of {_type_of(spec['items'])}"
    return " or ".join(kind) if isinstance(kind, list) else str(kind)


def _schema_markdown(schema: dict[str, Any]) -> str:
    """A JSON schema: its top-level fields as a table, then the whole schema."""
    required = set(schema.get("required", ()))
    rows = "\n".join(
        f"| `{name}` | {_type_of(spec)} | {'yes' if name in required else 'no'} | "
        f"{' '.join(str(spec.get('description', '')).split())} |"
        for name, spec in schema["properties"].items()
    )
    return (
        f"| Field | Type | Required | Meaning |\n|---|---|---|---|\n{rows}\n\n"
        f"```json\n{json.dumps(schema, indent=2)}\n```\n"
    )


GENERATED: dict[str, Callable[[], str]] = {
    "compute-permissions": compute_permissions_markdown,
    "container-permissions": container_permissions_markdown,
    "evidence-permissions": evidence_permissions_markdown,
    "wait-permissions": wait_permissions_markdown,
    "custom-role": custom_role_markdown,
    "cluster-role": cluster_role_markdown,
    "sarif-rules": sarif_rules_markdown,
    "report-schema": lambda: _schema_markdown(report_schema()),
    "fleet-schema": lambda: _schema_markdown(fleet_schema()),
}
"""Marker name → the markdown that replaces ``<!-- generated: NAME -->``."""


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated catalog; stop if finding links would not land on it."""
    site_url = config.site_url or ""
    if f"{site_url}findings/#" != DOCS_BASE:
        raise PluginError(
            f"finding links start {DOCS_BASE!r} but the catalog is published at "
            f"{site_url}findings/: make DOCS_BASE and site_url agree"
        )
    files.append(File.generated(config, CATALOG_PAGE, content=catalog_markdown()))
    for name, schema in SCHEMAS.items():
        files.append(File.generated(config, name, content=json.dumps(schema(), indent=2) + "\n"))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Replace each generation marker; an unknown marker fails the build."""
    del config, files
    for name in set(_markers(markdown)):
        if name not in GENERATED:
            raise PluginError(f"{page.file.src_uri}: unknown marker <!-- generated: {name} -->")
        markdown = markdown.replace(f"<!-- generated: {name} -->", GENERATED[name]())
    return markdown


def _markers(markdown: str) -> list[str]:
    prefix = "<!-- generated: "
    return [
        line.strip()[len(prefix) : -len(" -->")]
        for line in markdown.splitlines()
        if line.strip().startswith(prefix) and line.strip().endswith(" -->")
    ]
