"""The cloud-side runbook steps: backend health and the health-check firewall."""

from gkeingress import analyse
from gkeingress.testing import DEMO_NOW, Path, Rule, WorldBuilder, snapshot_of
from gkeingress.testing import scenarios as s
from tests.unit.conftest import Judge, codes, only


def test_unhealthy_endpoints_name_the_pods_behind_them(builder: WorldBuilder, judge: Judge) -> None:
    """Endpoints getHealth reports UNHEALTHY are counted per NEG and zone and mapped to their pods."""
    s.probe_on_other_port(builder)
    finding = only(judge(builder), "checkout/checkout", "BACKEND_UNHEALTHY")
    assert finding.severity == "error"
    assert "has 2 of 2 endpoints UNHEALTHY (all of them: requests to it get 502)" in finding.message
    assert (
        "1/1 in networkEndpointGroups k8s1-1a2b3c4d-checkout-checkout-80-2ec96da0 (us-central1-a)"
        in finding.message
    )
    assert "checkout/checkout-7d4b9c8f5-00000 (10.8." in finding.message
    assert "get-health k8s1-1a2b3c4d-checkout-checkout-80-2ec96da0 --global" in finding.remediation


def test_healthy_annotation_skips_get_health(builder: WorldBuilder) -> None:
    """Backends the annotation reports HEALTHY are not queried, unless the audit is deep."""
    builder.service("shop", "web")
    builder.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])
    assert snapshot_of(builder.world, DEMO_NOW).backend_health == ()
    deep = snapshot_of(builder.world, DEMO_NOW, deep=True)
    assert len(deep.backend_health) == 4  # two backend services, two zonal NEGs each


def test_stale_unhealthy_annotation_with_healthy_endpoints_is_clean(
    builder: WorldBuilder, judge: Judge
) -> None:
    """The annotation is only the cheap first signal: getHealth's answer decides."""
    builder.service("shop", "web")
    ingress = builder.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])
    annotations = ingress["metadata"]["annotations"]
    annotations["ingress.kubernetes.io/backends"] = annotations[
        "ingress.kubernetes.io/backends"
    ].replace("HEALTHY", "UNHEALTHY")
    report = judge(builder)
    assert report.topology.snapshot.backend_health != ()
    assert codes(report, "shop/web") == []


def test_deep_audit_finds_unhealthy_endpoints_the_annotation_missed(builder: WorldBuilder) -> None:
    """A deep audit asks getHealth everywhere and finds what a stale HEALTHY annotation hides."""
    builder.service("shop", "web")
    builder.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])
    builder.mark_unhealthy("shop", "web", 80)
    ingress = builder.kube_object("ingresses", "shop", "web")
    annotations = ingress["metadata"]["annotations"]
    annotations["ingress.kubernetes.io/backends"] = annotations[
        "ingress.kubernetes.io/backends"
    ].replace("UNHEALTHY", "HEALTHY")
    shallow = analyse(snapshot_of(builder.world, DEMO_NOW), now=DEMO_NOW)
    deep = analyse(snapshot_of(builder.world, DEMO_NOW, deep=True), now=DEMO_NOW)
    assert codes(shallow, "shop/web") == []
    # Nothing in the configuration explains it, so the health check's logs are asked for too.
    assert codes(deep, "shop/web") == ["BACKEND_UNHEALTHY", "HEALTH_CHECK_LOGGING_DISABLED"]


def test_shared_vpc_cluster_without_health_check_firewall(
    builder: WorldBuilder, judge: Judge
) -> None:
    """A port missing from the health-check firewall is named, with the gcloud command to open it."""
    s.shared_vpc_firewall(builder)
    finding = only(judge(builder), "partner/partner", "HEALTH_CHECK_FIREWALL_MISSING")
    assert "tcp:8443 from 130.211.0.0/22, 35.191.0.0/16" in finding.message
    assert "--allow=tcp:8443 --source-ranges=130.211.0.0/22,35.191.0.0/16" in finding.remediation
    assert "--target-tags=gke-demo-1a2b3c4d-node" in finding.remediation


def test_instance_group_backends_need_the_node_port(builder: WorldBuilder, judge: Judge) -> None:
    """For instance groups the health checkers must reach the nodePort."""
    builder.service("blog", "blog", neg=False)
    builder.ingress("blog", "blog", default_backend=("blog", 80), v2=False)
    assert codes(judge(builder), "blog/blog") == []
    rule = builder.compute_resource("firewalls", builder.namer.firewall)
    rule["sourceRanges"] = ["130.211.0.0/22"]
    node_port = builder.kube_object("services", "blog", "blog")["spec"]["ports"][0]["nodePort"]
    finding = only(judge(builder), "blog/blog", "HEALTH_CHECK_FIREWALL_MISSING")
    assert f"tcp:{node_port} from 35.191.0.0/16" in finding.message


def test_a_wide_user_rule_also_counts(builder: WorldBuilder, judge: Judge) -> None:
    """Any enabled allow rule covering both ranges and the port is enough, e.g. 0.0.0.0/0."""
    s.shared_vpc_firewall(builder)
    builder.world.compute_resources("firewalls", "global").append(
        {
            "kind": "compute#firewall",
            "id": "1",
            "name": "allow-all-tcp",
            "network": builder.network,
            "direction": "INGRESS",
            "priority": 900,
            "sourceRanges": ["0.0.0.0/0"],
            "allowed": [{"IPProtocol": "tcp"}],
            "selfLink": builder.link("global", "firewalls", "allow-all-tcp"),
        }
    )
    assert "HEALTH_CHECK_FIREWALL_MISSING" not in codes(judge(builder), "partner/partner")
