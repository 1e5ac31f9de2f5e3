"""Ingress paths ingress-gce rejects in its own words, and how rules for one host merge."""

from typing import Any

import pytest

from gkeingress.model.translate import gce_paths, translate
from gkeingress.resources.k8s import Ingress


@pytest.mark.parametrize(
    ("path", "path_type", "error"),
    [
        ("", "Exact", "failed to validate exact path type due to empty path"),
        ("/a/*", "Exact", "failed to validate exact path /a/* due to invalid wildcard"),
        ("/a*", "Prefix", "failed to validate prefix path /a* due to invalid wildcard"),
        ("/a", "Regex", "unsupported path type: Regex"),
    ],
)
def test_invalid_paths_carry_ingress_gce_errors(path: str, path_type: str, error: str) -> None:
    """Paths the controller rejects give its own error text."""
    assert gce_paths(path, path_type) == ((), error)


def _ingress(rules: list[dict[str, Any]]) -> Ingress:
    return Ingress.from_json(
        {"metadata": {"name": "x", "namespace": "y"}, "spec": {"rules": rules}}
    )


def _rule(host: str | None, *paths: str) -> dict[str, Any]:
    backend = {"service": {"name": "web", "port": {"number": 80}}}
    rule: dict[str, Any] = {
        "http": {"paths": [{"path": p, "pathType": "Prefix", "backend": backend} for p in paths]}
    }
    if host:
        rule["host"] = host
    return rule


def test_second_rule_for_a_host_replaces_the_first() -> None:
    """ingress-gce keeps only the last rule of a repeated host."""
    hosts = translate(_ingress([_rule("a.com", "/one"), _rule("a.com", "/two")])).hosts
    assert [r.path for r in hosts["a.com"]] == ["/two", "/two/*"]


def test_rule_without_host_is_star_and_without_http_is_skipped() -> None:
    """An empty host matches every host; a rule with no http block adds nothing."""
    translation = translate(_ingress([_rule(None, "/"), {"host": "b.com"}]))
    assert list(translation.hosts) == ["*"]
