"""Compute references as the API writes them: full URLs, project paths and ingress-gce's relative paths."""

from __future__ import annotations

import pytest

from gkeingress.resources.gce import BackendService, NetworkEndpointGroup
from gkeingress.resources.refs import RefReader, ResourceRef

NEG_URL = (
    "https://www.googleapis.com/compute/v1/projects/shop-prod/zones/europe-west1-b/"
    "networkEndpointGroups/k8s1-1a2b3c4d-shop-web-80-5e6f7a8b"
)


def test_every_spelling_of_a_reference_is_the_same_resource() -> None:
    """A URL, a project path and a path relative to the reader's project name one resource."""
    refs = RefReader("shop-prod")
    expected = ResourceRef(
        "shop-prod",
        "zones/europe-west1-b",
        "networkEndpointGroups",
        "k8s1-1a2b3c4d-shop-web-80-5e6f7a8b",
    )
    assert refs.parse(NEG_URL) == expected
    assert refs.parse("projects/shop-prod/" + NEG_URL.split("shop-prod/")[1]) == expected
    assert refs.parse(NEG_URL.split("shop-prod/")[1]) == expected


def test_a_neg_and_the_backend_service_routing_to_it_share_one_reference() -> None:
    """One read keeps one reference per resource, however many resources name it."""
    refs = RefReader("shop-prod")
    neg = NetworkEndpointGroup.from_json(
        {"name": NEG_URL.rsplit("/", 1)[1], "selfLink": NEG_URL}, refs
    )
    backend_service = BackendService.from_json(
        {
            "name": "k8s1-1a2b3c4d-shop-web-80-5e6f7a8b",
            "selfLink": "https://www.googleapis.com/compute/v1/projects/shop-prod/global/"
            "backendServices/k8s1-1a2b3c4d-shop-web-80-5e6f7a8b",
            "backends": [{"group": NEG_URL, "balancingMode": "RATE", "maxRatePerEndpoint": 100}],
        },
        refs,
    )
    assert backend_service.backends[0].group is neg.ref


def test_a_resource_without_self_link_is_named_by_its_zone() -> None:
    """A resource written without ``selfLink`` is still referenced, by name and zone."""
    refs = RefReader("shop-prod")
    neg = NetworkEndpointGroup.from_json(
        {
            "name": "k8s1-1a2b3c4d-shop-web-80-5e6f7a8b",
            "zone": "https://www.googleapis.com/compute/v1/projects/shop-prod/zones/europe-west1-b",
        },
        refs,
    )
    assert neg.ref == refs.parse(NEG_URL)


def test_text_that_names_no_resource_is_refused() -> None:
    """A reference that is not a Compute path raises, so the object is reported as unreadable."""
    with pytest.raises(ValueError, match="not a Compute resource reference"):
        RefReader("shop-prod").parse("k8s1-1a2b3c4d-shop-web-80-5e6f7a8b")
