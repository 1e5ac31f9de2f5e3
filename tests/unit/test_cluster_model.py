"""Naming a cluster, reading its Container API facts, and choosing its endpoint."""

import base64
import dataclasses
from typing import Any

import pytest

from gkeingress.connect import endpoint
from gkeingress.errors import ClusterUnreachable
from gkeingress.resources.cluster import ClusterInfo, cluster_path, path_of_context
from gkeingress.testing import WorldBuilder


def _info(**cluster: Any) -> ClusterInfo:
    return ClusterInfo.from_json(WorldBuilder(cluster_name="shop").cluster(**cluster))


def test_short_and_full_cluster_names() -> None:
    """``LOCATION/NAME`` is read in the audited project; full paths, zones form too, use locations."""
    assert cluster_path("us-central1/shop", "p") == "projects/p/locations/us-central1/clusters/shop"
    full = "projects/q/locations/europe-west4-a/clusters/gke1"
    assert cluster_path(full, "p") == full
    assert cluster_path("projects/q/zones/europe-west4-a/clusters/gke1", "p") == full


def test_a_cluster_name_of_neither_form_is_explained() -> None:
    """A bare name says which forms are accepted."""
    with pytest.raises(ValueError, match="LOCATION/NAME"):
        cluster_path("shop", "p")


def test_gcloud_context_names_its_cluster() -> None:
    """``gke_<project>_<location>_<name>`` is gcloud's context; other names are not guessed at."""
    assert (
        path_of_context("gke_p_us-central1_shop")
        == "projects/p/locations/us-central1/clusters/shop"
    )
    assert path_of_context("minikube") is None


def test_facts_from_the_container_api() -> None:
    """Node tags (GKE's and the pools'), network, add-on and VPC-native flags are read."""
    info = _info(vpc_native=False, http_load_balancing=False)
    assert info.path == "projects/demo-project/locations/us-central1/clusters/shop"
    assert info.node_tags == ("gke-shop-1a2b3c4d-node",)
    assert info.network == "default"
    assert info.http_load_balancing_disabled
    assert not info.vpc_native


def test_ip_endpoint_is_verified_with_the_cluster_ca() -> None:
    """The public endpoint comes with the cluster's CA, decoded from base64."""
    info = dataclasses.replace(
        _info(), endpoint="34.1.2.3", ca_certificate=base64.b64encode(b"PEM").decode()
    )
    assert endpoint(info) == ("https://34.1.2.3", "PEM")


def test_private_endpoint_when_asked() -> None:
    """--use-private-endpoint picks privateClusterConfig.privateEndpoint."""
    assert endpoint(_info(private_endpoint="10.0.0.2"), use_private_endpoint=True)[0] == (
        "https://10.0.0.2"
    )
    with pytest.raises(ClusterUnreachable, match="has no private endpoint"):
        endpoint(_info(), use_private_endpoint=True)


def test_dns_endpoint_is_verified_with_public_cas() -> None:
    """The DNS-based endpoint's certificate is publicly trusted: no cluster CA is pinned."""
    info = _info(dns_endpoint="gke-0123456789abcdef.us-central1.gke.goog")
    assert endpoint(info) == ("https://gke-0123456789abcdef.us-central1.gke.goog", None)
