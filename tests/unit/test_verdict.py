"""Each Ingress's verdict: the answer first, its root cause, and the symptoms linked beneath it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gkeingress import Report, analyse
from gkeingress.checks import REGISTRY
from gkeingress.checks.causes import CAUSES, Join
from gkeingress.findings import Finding, VerdictState
from gkeingress.testing import DEMO_NOW, WorldBuilder, demo_world, snapshot_of
from gkeingress.testing.builder import Path, Rule
from gkeingress.testing.incidents_cluster import (
    http_load_balancing_disabled,
    routes_based_cluster_negs,
)
from gkeingress.testing.scenarios import healthy_shop
from gkeingress.testing.traffic import frontend_of, incident_traffic
from tests.unit.conftest import Judge
from tests.unit.reports import demo_report

FAILING, DEGRADED, SERVING = VerdictState.FAILING, VerdictState.DEGRADED, VerdictState.SERVING
NOT_PROVISIONED, PROPAGATING = VerdictState.NOT_PROVISIONED, VerdictState.PROPAGATING

DEMO_VERDICTS = {
    "billing/billing": (FAILING, ["TARGET_PORT_NOT_EXPOSED"]),
    "checkout/checkout": (FAILING, ["HEALTH_CHECK_PATH_MISMATCH"]),
    "inventory/inventory": (FAILING, ["SERVICE_NO_READY_ENDPOINTS"]),
    "partner/partner": (FAILING, ["HEALTH_CHECK_FIREWALL_MISSING"]),
    "payments/payments": (FAILING, ["HEALTH_CHECK_PORT_MISMATCH", "CHANGE_BEFORE_ERRORS"]),
    "portal/portal": (FAILING, ["RULE_HOST_DUPLICATE"]),
    "promo/promo": (FAILING, ["LB_RESOURCE_MISSING"]),
    "search/search": (FAILING, ["SERVICE_SELECTOR_MATCHES_NO_PODS"]),
    "stock/stock": (FAILING, ["URL_MAP_OUT_OF_SYNC"]),
    "admin/admin": (NOT_PROVISIONED, ["SERVICE_TYPE_INCOMPATIBLE"]),
    "docs/docs": (NOT_PROVISIONED, ["SERVICE_PORT_NOT_FOUND"]),
    "events/events": (NOT_PROVISIONED, ["STATIC_IP_NOT_FOUND"]),
    "legacy/legacy": (NOT_PROVISIONED, ["INGRESS_NOT_PROVISIONED"]),
    "reports/reports": (NOT_PROVISIONED, ["SERVICE_NOT_FOUND"]),
    "analytics/analytics": (DEGRADED, ["PATH_SUBPATHS_NOT_ROUTED"]),
    "cart/cart": (DEGRADED, ["SYNC_ERROR"]),
    "catalog/catalog": (DEGRADED, ["NEG_NOT_ATTACHED"]),
    "grpc/grpc": (DEGRADED, ["APP_PROTOCOL_INVALID"]),
    "media/media": (DEGRADED, ["NEG_MISSING"]),
    "orders/orders": (DEGRADED, ["HEALTH_CHECK_TIMEOUT_INVALID"]),
    "profile/profile": (DEGRADED, ["BACKEND_CONFIG_NOT_FOUND"]),
    "reviews/reviews": (DEGRADED, ["SYNC_ERROR"]),
    "secure/secure": (DEGRADED, ["TLS_SECRET_NOT_FOUND"]),
    "store/store": (DEGRADED, ["FRONTEND_CONFIG_NOT_FOUND"]),
    "wiki/wiki": (DEGRADED, ["BACKEND_CONFIG_INVALID"]),
    "newsletter/newsletter": (PROPAGATING, ["PROPAGATION_PENDING"]),
    "marketing/landing": (VerdictState.NOT_MANAGED, ["INGRESS_CLASS_IGNORED"]),
    "blue/app": (SERVING, ["INGRESS_HOST_CONFLICT"]),
    "green/app": (SERVING, ["INGRESS_HOST_CONFLICT"]),
    "rollout/rollout": (DEGRADED, ["CHANGE_BEFORE_ERRORS"]),
    "invoices/invoices": (SERVING, ["CONTROLLER_ANNOTATION_MALFORMED"]),
    "gateway/gateway": (FAILING, ["HEALTH_CHECK_FIREWALL_MISSING"]),
    "warehouse/warehouse": (FAILING, ["HEALTH_CHECK_PATH_MISMATCH", "CHANGE_BEFORE_ERRORS"]),
    "kiosk/kiosk": (FAILING, ["BACKEND_UNHEALTHY"]),
    "basket/basket": (DEGRADED, ["LB_BACKEND_CONNECTION_CLOSED"]),
    "exports/exports": (DEGRADED, ["LB_BACKEND_TIMEOUT"]),
    "manual/manual": (SERVING, ["LB_UNMATCHED_URLS_404"]),
    "ledger/ledger": (DEGRADED, ["LB_ERRORS_OBSERVED"]),
    "products/products": (SERVING, []),
    "blog/blog": (SERVING, []),
    "homepage/homepage": (SERVING, []),
    "shop/web": (SERVING, []),
}
"""What a person should read first about each demo Ingress: its state and its root causes."""


def _verdict(report: Report, name: str) -> tuple[VerdictState, list[str]]:
    verdict = report.ingress(name).verdict
    assert verdict is not None
    return verdict.state, [f.code for f in verdict.root_causes]


@pytest.mark.parametrize("name", sorted(DEMO_VERDICTS))
def test_each_demo_ingress_has_its_verdict_and_root_cause(name: str) -> None:
    """Every demo Ingress gets the state and root cause its incident calls for."""
    assert _verdict(demo_report(), name) == DEMO_VERDICTS[name]


def test_every_demo_ingress_has_an_expected_verdict() -> None:
    """A new demo incident needs its expected verdict here too."""
    assert {p.name for p in demo_report().ingresses} == set(DEMO_VERDICTS)


def test_billing_says_which_urls_get_502_and_why_in_one_line() -> None:
    """The target port typo is the one root cause; both empty NEGs are its consequences."""
    billing = demo_report().ingress("billing/billing")
    assert billing.verdict is not None
    assert billing.verdict.headline == (
        "502 on billing.example.com/*: Service billing/billing port 80 targets named port 'web', "
        "which no container of its pods declares (declared: 8080 (http))"
    )
    assert billing.verdict.urls == ("billing.example.com/*",)
    [cause] = billing.verdict.root_causes
    negs = [f for f in billing.findings if f.code == "NEG_EMPTY"]
    assert len(negs) == 2
    assert all(f.caused_by == (cause.id,) for f in negs)
    assert set(cause.consequences) == {f.id for f in negs}


def test_admin_is_one_fault_seen_three_ways() -> None:
    """ClusterIP Service → the controller's Translate error → no load balancer, one chain."""
    report = demo_report()
    found = {f.code: f for f in report.findings_for("admin/admin")}
    service = found["SERVICE_TYPE_INCOMPATIBLE"]
    sync = found["SYNC_ERROR"]
    missing = found["INGRESS_NOT_PROVISIONED"]
    assert (service.caused_by, sync.caused_by, missing.caused_by) == ((), (service.id,), (sync.id,))
    verdict = report.ingress("admin/admin").verdict
    assert verdict is not None
    assert verdict.headline.startswith('no load balancer: Service admin/admin is type "ClusterIP"')


def test_propagating_says_how_long_and_how_long_it_usually_takes() -> None:
    """A 3-minute-old Ingress is not a fault yet: the verdict says when and the usual 5-10 min."""
    verdict = demo_report().ingress("newsletter/newsletter").verdict
    assert verdict is not None
    assert verdict.headline.startswith(
        "Ingress newsletter/newsletter changed 3 minutes ago; load balancer changes usually take "
        "5-10 minutes to roll out, not a fault yet"
    )
    assert verdict.since == DEMO_NOW - timedelta(minutes=3)


def test_finding_ids_are_stable_and_every_link_resolves() -> None:
    """Ids do not change between audits, and every caused_by/consequences id names a finding."""
    first = demo_report()
    second = analyse(
        snapshot_of(demo_world(), DEMO_NOW + timedelta(minutes=1)),
        now=DEMO_NOW + timedelta(minutes=1),
    )
    assert [f.id for f in first.findings] == [f.id for f in second.findings]
    ids = {f.id for f in first.findings}
    for finding in first.findings:
        assert set(finding.caused_by) | set(finding.consequences) <= ids
        for cause in finding.caused_by:
            [explaining] = [f for f in first.findings if f.id == cause]
            assert finding.id in explaining.consequences


def test_links_follow_the_backend_not_just_the_ingress(builder: WorldBuilder, judge: Judge) -> None:
    """Two broken Services behind one Ingress: each symptom is explained by its own Service's fault."""
    builder.service("shop", "web", target_port="web", container_port_name="http")
    builder.service("shop", "api", probe_path="/ready", probe_port=9090)
    builder.ingress(
        "shop",
        "web",
        rules=[Rule("shop.example.com", [Path("/api", "api"), Path("/", "web")])],
    )
    builder.health_check("shop", "api", 80)["httpHealthCheck"]["requestPath"] = "/"
    builder.mark_unhealthy("shop", "api", 80)
    report = judge(builder)
    found: dict[str, list[Finding]] = {}
    for finding in report.findings_for("shop/web"):
        found.setdefault(finding.code, []).append(finding)
    [port] = found["TARGET_PORT_NOT_EXPOSED"]
    [path] = found["HEALTH_CHECK_PATH_MISMATCH"]
    [unhealthy] = found["BACKEND_UNHEALTHY"]
    assert "shop-api" in unhealthy.resource
    assert unhealthy.caused_by == (path.id,)
    assert found["NEG_EMPTY"]
    assert all(f.caused_by == (port.id,) for f in found["NEG_EMPTY"])
    verdict = report.ingress("shop/web").verdict
    assert verdict is not None
    assert verdict.state is FAILING
    assert verdict.urls == ("shop.example.com/api/*", "shop.example.com/*")
    assert {f.code for f in verdict.root_causes} == {
        "TARGET_PORT_NOT_EXPOSED",
        "HEALTH_CHECK_PATH_MISMATCH",
    }


def test_a_disabled_add_on_explains_the_missing_load_balancer(
    builder: WorldBuilder, judge: Judge
) -> None:
    """With HTTP load balancing off, INGRESS_NOT_PROVISIONED is its consequence."""
    http_load_balancing_disabled(builder)
    report = judge(builder)
    verdict = report.ingress("shop/web").verdict
    assert verdict is not None
    assert (verdict.state, [f.code for f in verdict.root_causes]) == (
        NOT_PROVISIONED,
        ["HTTP_LOAD_BALANCING_DISABLED"],
    )


def test_a_routes_based_cluster_explains_the_neg_errors_and_the_empty_negs(
    builder: WorldBuilder, judge: Judge
) -> None:
    """The cluster not being VPC-native explains the NEG controller's errors, which explain the NEGs."""
    routes_based_cluster_negs(builder)
    report = judge(builder)
    found = {f.code: f for f in report.findings_for("shop/web")}
    cluster = found["CLUSTER_NOT_VPC_NATIVE"]
    assert all(
        cluster.id in f.caused_by for f in report.findings_for("shop/web") if f.code == "SYNC_ERROR"
    )
    assert all(
        f.caused_by
        and set(f.caused_by) <= {s.id for s in report.findings if s.code == "SYNC_ERROR"}
        for f in report.findings_for("shop/web")
        if f.code == "NEG_EMPTY"
    )
    verdict = report.ingress("shop/web").verdict
    assert verdict is not None
    assert (verdict.state, [f.code for f in verdict.root_causes]) == (
        FAILING,
        ["CLUSTER_NOT_VPC_NATIVE"],
    )


@pytest.mark.parametrize(("errors", "state"), [(20, DEGRADED), (60, FAILING)], ids=["20%", "60%"])
def test_observed_5xx_overrule_a_clean_configuration(
    builder: WorldBuilder, judge: Judge, errors: int, state: VerdictState
) -> None:
    """The load balancer's own 502s count: with no config fault, 20% is Degraded, 60% Failing."""
    healthy_shop(builder)
    frontend = frontend_of(builder, "shop", "web", "web", path_rule="/*")
    since = DEMO_NOW - timedelta(minutes=8)
    incident_traffic(builder, frontend, per_minute=100, errors=errors, code=502, since=since)
    verdict = judge(builder).ingress("shop/web").verdict
    assert verdict is not None
    assert verdict.state is state
    assert verdict.headline == (
        f"{errors}% of requests got 502 since 09:52 UTC: no configuration fault explains it"
    )


def test_observed_errors_explained_by_the_configuration_are_its_consequence() -> None:
    """payments/payments: its 502s are folded under the health check port, with the change."""
    report = demo_report()
    found = {f.code: f for f in report.findings_for("payments/payments")}
    observed = found["LB_ERRORS_OBSERVED"]
    assert set(observed.caused_by) == {
        found["BACKEND_UNHEALTHY"].id,
        found["CHANGE_BEFORE_ERRORS"].id,
    }
    verdict = report.ingress("payments/payments").verdict
    assert verdict is not None
    assert verdict.headline.startswith("502 on pay.example.com/*: Health check ")


def test_the_cause_table_names_only_registered_codes_and_has_no_cycle() -> None:
    """Every rule links two registered codes, a message join only into a controller event."""
    for rule in CAUSES:
        assert rule.cause in REGISTRY, rule
        assert rule.consequence in REGISTRY, rule
        assert rule.join is not Join.MESSAGE or rule.consequence == "SYNC_ERROR", rule
    edges = {(c.cause, c.consequence) for c in CAUSES}

    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(
            b == goal or (b not in seen and reaches(b, goal, seen | {b}))
            for a, b in edges
            if a == start
        )

    assert not [code for code in REGISTRY if reaches(code.code, code.code)]


def test_every_finding_still_counts() -> None:
    """Folding consequences under causes hides nothing: counts and JSON keep every finding."""
    report = demo_report()
    data = report.to_dict()
    assert len(data["findings"]) == len(report.findings) == sum(report.counts.values())
    billing = next(i for i in data["ingresses"] if i["name"] == "billing/billing")
    assert billing["verdict"]["state"] == "failing"
    assert billing["verdict"]["label"] == "Failing"
    [cause] = [f for f in data["findings"] if f["code"] == "TARGET_PORT_NOT_EXPOSED"]
    assert billing["verdict"]["root_causes"] == [cause["id"]]
    assert len(cause["consequences"]) == 2
