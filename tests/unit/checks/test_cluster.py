"""The cluster's own facts (Container API) explain faults no Kubernetes or Compute object shows."""

import copy

from gkeingress.checks import CLUSTER_FACTS_UNREAD
from gkeingress.testing import Path, Rule, WorldBuilder
from gkeingress.testing import incidents_cluster as incidents
from tests.unit.conftest import Judge, codes, only


def test_healthy_cluster_stays_clean(builder: WorldBuilder, judge: Judge) -> None:
    """A VPC-native cluster with the add-on enabled adds no finding to a healthy Ingress."""
    incidents.healthy_cluster(builder)
    report = judge(builder)
    assert report.topology.snapshot.cluster is not None
    assert codes(report, "shop/web") == []
    assert report.unchecked == ()


def test_without_the_clusters_facts_the_report_says_what_it_did_not_check(
    builder: WorldBuilder, judge: Judge
) -> None:
    """A kubeconfig audit never reads the cluster's facts: the report names the checks it skipped."""
    builder.service("shop", "web")
    builder.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])
    report = judge(builder)
    assert report.topology.snapshot.cluster is None
    assert report.unchecked == ("HTTP_LOAD_BALANCING_DISABLED", "CLUSTER_NOT_VPC_NATIVE")
    assert report.to_dict()["unchecked"] == [
        {"code": code, "reason": CLUSTER_FACTS_UNREAD} for code in report.unchecked
    ]


def test_ingress_never_provisioned_because_the_add_on_is_disabled(
    builder: WorldBuilder, judge: Judge
) -> None:
    """An Ingress stuck for hours without events is explained by the disabled add-on, with the fix."""
    incidents.http_load_balancing_disabled(builder)
    finding = only(judge(builder), "shop/web", "HTTP_LOAD_BALANCING_DISABLED")
    assert finding.severity == "error"
    assert "projects/demo-project/locations/us-central1/clusters/demo" in finding.message
    assert "addonsConfig.httpLoadBalancing.disabled" in finding.message
    assert "--update-addons=HttpLoadBalancing=ENABLED" in finding.remediation


def test_add_on_disabled_leaves_other_classes_alone(builder: WorldBuilder, judge: Judge) -> None:
    """An nginx Ingress in a cluster without the add-on is what the add-on was disabled for."""
    builder.cluster(http_load_balancing=False)
    builder.service("shop", "web")
    builder.ingress("shop", "web", ingress_class="nginx", provision=False)
    assert "HTTP_LOAD_BALANCING_DISABLED" not in codes(judge(builder), "shop/web")


def test_neg_backends_on_a_routes_based_cluster(builder: WorldBuilder, judge: Judge) -> None:
    """Empty NEGs and attach errors are traced to the cluster not being VPC-native (ingress-gce#1463)."""
    incidents.routes_based_cluster_negs(builder)
    report = judge(builder)
    finding = only(report, "shop/web", "CLUSTER_NOT_VPC_NATIVE")
    assert "not VPC-native" in finding.message
    assert "doesn't belong to the (sub)network" in finding.message
    assert finding.evidence["services"] == ["shop/web"]
    assert "NEG_EMPTY" in codes(report, "shop/web")


def test_instance_group_backends_on_a_routes_based_cluster_are_fine(
    builder: WorldBuilder, judge: Judge
) -> None:
    """Instance-group backends do not need alias IPs: no finding on a routes-based cluster."""
    builder.cluster(vpc_native=False)
    builder.service("blog", "blog", neg=False)
    builder.ingress("blog", "blog", default_backend=("blog", 80), v2=False)
    assert codes(judge(builder), "blog/blog") == []


def test_firewall_rule_for_another_clusters_nodes_does_not_count(
    builder: WorldBuilder, judge: Judge
) -> None:
    """Knowing the cluster's node tag, a health-check rule aimed at another cluster's nodes is caught."""
    builder.service("shop", "web")
    builder.ingress("shop", "web", default_backend=("web", 80))
    other = "gke-batch-0f0f0f0f-node"
    builder.compute_resource("firewalls", builder.namer.firewall)["targetTags"] = [other]
    neighbour = copy.deepcopy(builder.compute_resource("firewalls", "gke-demo-1a2b3c4d-all"))
    neighbour.update(name="gke-batch-0f0f0f0f-all", targetTags=[other])
    builder.world.compute_resources("firewalls", "global").append(neighbour)
    assert codes(judge(builder), "shop/web") == []  # the project's tags hide the fault
    builder.cluster()
    finding = only(judge(builder), "shop/web", "HEALTH_CHECK_FIREWALL_MISSING")
    assert "--target-tags=gke-demo-1a2b3c4d-node" in finding.remediation
