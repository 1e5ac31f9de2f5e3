"""The namer reproduces ingress-gce's own test vectors (pkg/utils/namer/*_test.go)."""

import pytest

from gkeingress.model.naming import Namer, path_matcher_name

LONG = "0123456789" * 5  # namer_test.go longstring


@pytest.mark.parametrize(
    ("namespace", "service", "port", "expected"),
    [
        ("namespace", "name", 80, "k8s1-01234567-namespace-name-80-5104b449"),
        (LONG, "0", 0, "k8s1-01234567-0123456789012345678901234567890123456-0--72142e04"),
        (LONG, LONG, 0, "k8s1-01234567-0123456789012345678-0123456789012345678--9129e3d2"),
        (
            LONG,
            LONG[:40],
            2147483647,
            "k8s1-01234567-0123456789012345678-0123456789012345-214-ed1f2a2f",
        ),
    ],
)
def test_neg_names_match_ingress_gce(
    namespace: str, service: str, port: int, expected: str
) -> None:
    """NEG names embed the short cluster UID and trim long fields as the controller does."""
    assert Namer("0123456789abcdef").neg(namespace, service, port) == expected


@pytest.mark.parametrize(
    ("namespace", "service", "port", "expected"),
    [
        ("namespace", "name", 80, "k8s1-01234567-e-namespace-name-80-5104b449"),
        (
            LONG[:10],
            LONG[:10],
            1234567890,
            "k8s1-01234567-e-0123456789-0123456789-1234567890-ed141b14",
        ),
        (LONG, "0", 0, "k8s1-01234567-e-01234567890123456789012345678901234-0--72142e04"),
        (LONG, LONG, 0, "k8s1-01234567-e-012345678901234567-012345678901234567--9129e3d2"),
        (
            LONG,
            LONG[:40],
            2147483647,
            "k8s1-01234567-e-012345678901234567-012345678901234-214-ed1f2a2f",
        ),
    ],
)
def test_regional_external_backend_names_match_ingress_gce(
    namespace: str, service: str, port: int, expected: str
) -> None:
    """Regional external backends insert ``-e``, trim to 36 and keep the NEG name's hash."""
    assert Namer("0123456789abcdef").rxlb_backend(namespace, service, port) == expected


def test_v1_frontend_truncation_can_cut_the_uid() -> None:
    """A long v1 name is truncated to 62 characters plus ``0``, even through the UID suffix."""
    names = Namer("uid1").v1_frontend("012345678901234567890123", "0123456789012345678901234")
    assert names.https_proxy == "k8s-tps-012345678901234567890123-0123456789012345678901234--ui0"


def test_v2_frontend_uses_the_kube_system_uid() -> None:
    """v2 names hash the kube-system Namespace UID, not the ingress-uid ConfigMap."""
    names = Namer("ignored", "kubesystem-uid1").v2_frontend("namespace", "name")
    assert names.url_map == "k8s2-um-7kpbhpki-namespace-name-uhmwf5xi"


def test_worked_example_names() -> None:
    """Every resource of one Ingress gets the names ingress-gce gives it, in both schemes."""
    namer = Namer("1a2b3c4d5e6f7a8b", "7b1f3a2e-5c4d-4e8f-9a0b-1c2d3e4f5a6b")
    v1 = namer.v1_frontend("shop", "web-ingress")
    v2 = namer.v2_frontend("shop", "web-ingress")
    assert (v1.url_map, v1.http_rule) == (
        "k8s-um-shop-web-ingress--1a2b3c4d5e6f7a8b",
        "k8s-fw-shop-web-ingress--1a2b3c4d5e6f7a8b",
    )
    assert (v2.url_map, v2.https_proxy, v2.https_rule) == (
        "k8s2-um-adl25tto-shop-web-ingress-sna8v605",
        "k8s2-ts-adl25tto-shop-web-ingress-sna8v605",
        "k8s2-fs-adl25tto-shop-web-ingress-sna8v605",
    )
    assert namer.neg("shop", "web", 80) == "k8s1-1a2b3c4d-shop-web-80-ce0f3856"
    assert namer.rxlb_backend("shop", "web", 80) == "k8s1-1a2b3c4d-e-shop-web-80-ce0f3856"
    assert namer.instance_group_backend(31245) == "k8s-be-31245--1a2b3c4d5e6f7a8b"
    assert namer.firewall == "k8s-fw-l7--1a2b3c4d5e6f7a8b"
    long_v2 = namer.v2_frontend("production-frontend-team", "customer-facing-storefront-ingress")
    assert long_v2.url_map == "k8s2-um-adl25tto-production-fron-customer-facing-store-266exd7r"


def test_legacy_cluster_without_uid_has_undecorated_names() -> None:
    """Clusters that predate the ingress-uid ConfigMap name backends without a ``--uid`` suffix."""
    assert Namer("").instance_group_backend(30001) == "k8s-be-30001"


def test_path_matcher_names_are_md5_of_the_host() -> None:
    """Path matchers are named ``host`` + md5(host), ``*`` for rules without a host."""
    assert path_matcher_name("*") == "host3389dae361af79b04c9c8e7057f60cc6"
    assert path_matcher_name("shop.example.com") == "hostf40d9b2f6eeec78e169bc40177907bff"
