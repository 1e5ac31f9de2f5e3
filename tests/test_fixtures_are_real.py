"""Every payload we make up, or replay, is one the real APIs could have sent.

The project rule: Compute JSON must parse strictly with the ``google.cloud.compute_v1`` type of its
kind (an unknown or misspelt field fails), and Kubernetes objects must validate strictly against
the Kubernetes OpenAPI schemas that ``kubernetes-validate`` ships (additional properties fail).

Container API ``Cluster`` JSON must parse strictly with ``google.cloud.container_v1.Cluster``, and
Cloud Monitoring series with ``google.cloud.monitoring_v3.TimeSeries``.

Cloud Logging entries must parse strictly into ``google.cloud.logging_v2.types.LogEntry`` (an audit
log's ``protoPayload`` into ``google.cloud.audit.AuditLog``), and the load balancer's
``jsonPayload``, a free-form Struct in the message, may hold only the fields its logging pages
document.

Sources: the demo world and every scenario of :mod:`gkeingress.testing.scenarios`,
:mod:`gkeingress.testing.incidents_cluster`, :mod:`gkeingress.testing.incidents_regional` and
:mod:`gkeingress.testing.incidents_live` (each
applied to a fresh :class:`~gkeingress.testing.WorldBuilder`), and every response body in
``cassettes/``.
Each object is its own test case, named after its source and the object, and nothing is skipped:
an object of a kind this module does not know how to check fails.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from google.cloud import compute_v1, container_v1, monitoring_v3
from referencing import Registry, Resource

from gkeingress.testing import (
    World,
    WorldBuilder,
    demo_world,
    incidents_cluster,
    incidents_evidence,
    incidents_live,
    incidents_regional,
)
from gkeingress.testing import scenarios as scenarios_module
from gkeingress.testing.fake_logging import log_entry
from tests.conftest import CASSETTES, ROOT

JSONDict = dict[str, Any]

K8S_VERSION = kubernetes_validate.latest_version()
"""The newest Kubernetes version the installed kubernetes-validate has schemas for."""

COMPUTE_TYPES: dict[str, type[Any]] = {
    "urlMaps": compute_v1.UrlMap,
    "targetHttpProxies": compute_v1.TargetHttpProxy,
    "targetHttpsProxies": compute_v1.TargetHttpsProxy,
    "forwardingRules": compute_v1.ForwardingRule,
    "backendServices": compute_v1.BackendService,
    "healthChecks": compute_v1.HealthCheck,
    "networkEndpointGroups": compute_v1.NetworkEndpointGroup,
    "instanceGroups": compute_v1.InstanceGroup,
    "firewalls": compute_v1.Firewall,
    "addresses": compute_v1.Address,
    "sslCertificates": compute_v1.SslCertificate,
}
"""The ``compute_v1`` type of each World collection."""

KIND_EXCEPTIONS: dict[str, str] = {}
"""Compute ``kind`` values whose type is not the kind with ``compute#`` stripped and capitalised.

Every kind the collector reads today follows the rule (``compute#urlMapsAggregatedList`` is
``UrlMapsAggregatedList``, ``compute#backendServiceGroupHealth`` is
``BackendServiceGroupHealth``); add an entry here when one does not.
"""


def compute_type_of_kind(kind: str) -> type[Any]:
    """The ``compute_v1`` message type of a Compute ``kind``; unknown kinds fail, never skip."""
    if not kind.startswith("compute#"):
        pytest.fail(f"not a Compute kind: {kind!r}")
    bare = kind.removeprefix("compute#")
    name = KIND_EXCEPTIONS.get(bare, bare[:1].upper() + bare[1:])
    found = getattr(compute_v1, name, None)
    if not isinstance(found, type):
        pytest.fail(f"no compute_v1 type for kind {kind!r} (looked for {name}): add it")
    return found


def parse_strictly(message_type: type[Any], payload: JSONDict) -> None:
    """Parse as the client library would, but fail on any field the API does not define."""
    message_type.from_json(json.dumps(payload), ignore_unknown_fields=False)


# -- Kubernetes schemas -------------------------------------------------------------------------

_DEFINITIONS_URI = "https://kubernetes.io/api/_definitions.json"


def _k8s_ref(name: str) -> JSONDict:
    return {"$ref": f"{_DEFINITIONS_URI}#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.{name}"}


@functools.cache
def _k8s_registry() -> Registry[Any]:
    """The strict Kubernetes definitions kubernetes-validate ships, for ``$ref`` from our schemas."""
    folder = f"v{K8S_VERSION}-local-strict"
    text = (
        resources.files("kubernetes_validate")
        .joinpath("kubernetes-json-schema")
        .joinpath(folder)
        .joinpath("_definitions.json")
        .read_text()
    )
    return Resource.from_contents(json.loads(text)) @ Registry()


def _object(properties: JSONDict, required: tuple[str, ...] = ()) -> JSONDict:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


_STRING, _INT, _BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
_STRINGS = {"type": "array", "items": _STRING}

# The GKE CRDs: kubernetes-validate has no schema for them (SchemaNotFoundError), so these are
# written by hand from the Go types that generate the CRDs, kubernetes/ingress-gce at acbcf5d
# (2026-08-21): pkg/apis/backendconfig/v1/types.go, pkg/apis/frontendconfig/v1beta1/types.go and
# pkg/apis/svcneg/v1beta1/types.go. Field names and JSON types are theirs; additionalProperties
# is false wherever the Go struct lists every field, which is everywhere below. They do not check
# value ranges or enums the CRDs' own validation might add; metadata uses the strict ObjectMeta
# definition of the Kubernetes version above.
_BACKEND_CONFIG_SPEC = _object(
    {
        "iap": _object(
            {
                "enabled": _BOOL,
                "oauthclientCredentials": _object(
                    {"secretName": _STRING, "clientID": _STRING, "clientSecret": _STRING},
                    ("secretName",),
                ),
            },
            ("enabled",),
        ),
        "cdn": _object(
            {
                "enabled": _BOOL,
                "bypassCacheOnRequestHeaders": {
                    "type": "array",
                    "items": _object({"headerName": _STRING}),
                },
                "cachePolicy": _object(
                    {
                        "includeHost": _BOOL,
                        "includeProtocol": _BOOL,
                        "includeQueryString": _BOOL,
                        "queryStringBlacklist": _STRINGS,
                        "queryStringWhitelist": _STRINGS,
                    }
                ),
                "cacheMode": _STRING,
                "clientTtl": _INT,
                "defaultTtl": _INT,
                "maxTtl": _INT,
                "negativeCaching": _BOOL,
                "negativeCachingPolicy": {
                    "type": "array",
                    "items": _object({"code": _INT, "ttl": _INT}),
                },
                "requestCoalescing": _BOOL,
                "serveWhileStale": _INT,
                "signedUrlCacheMaxAgeSec": _INT,
                "signedUrlKeys": {
                    "type": "array",
                    "items": _object(
                        {"keyName": _STRING, "keyValue": _STRING, "secretName": _STRING}
                    ),
                },
            },
            ("enabled",),
        ),
        "securityPolicy": _object({"name": _STRING}, ("name",)),
        "timeoutSec": _INT,
        "connectionDraining": _object({"drainingTimeoutSec": _INT}),
        "sessionAffinity": _object({"affinityType": _STRING, "affinityCookieTtlSec": _INT}),
        "customRequestHeaders": _object({"headers": _STRINGS}),
        "customResponseHeaders": _object({"headers": _STRINGS}),
        "healthCheck": _object(
            {
                "checkIntervalSec": _INT,
                "timeoutSec": _INT,
                "healthyThreshold": _INT,
                "unhealthyThreshold": _INT,
                "type": _STRING,
                "port": _INT,
                "requestPath": _STRING,
            }
        ),
        "logging": _object({"enable": _BOOL, "sampleRate": {"type": "number"}}),
    }
)
_FRONTEND_CONFIG_SPEC = _object(
    {
        "sslPolicy": _STRING,
        "redirectToHttps": _object({"enabled": _BOOL, "responseCodeName": _STRING}, ("enabled",)),
    }
)
_SVCNEG_STATUS = _object(
    {
        "networkEndpointGroups": {
            "type": "array",
            "items": _object(
                {
                    "id": _STRING,  # uint64 serialised as a JSON string
                    "selfLink": _STRING,
                    "subnetURL": _STRING,
                    "networkEndpointType": _STRING,
                    "state": _STRING,
                },
                ("id",),
            ),
        },
        "conditions": {
            "type": "array",
            "items": _object(
                {
                    "type": _STRING,
                    "status": _STRING,
                    "observedGeneration": _INT,
                    "lastTransitionTime": _k8s_ref("Time"),
                    "reason": _STRING,
                    "message": _STRING,
                },
                ("type", "status", "lastTransitionTime", "reason", "message"),
            ),
        },
        "lastSyncTime": _k8s_ref("Time"),
    }
)


def _crd(api_version: str, kind: str, spec: JSONDict, status: JSONDict) -> JSONDict:
    return _object(
        {
            "apiVersion": {"const": api_version},
            "kind": {"const": kind},
            "metadata": _k8s_ref("ObjectMeta"),
            "spec": spec,
            "status": status,
        },
        ("apiVersion", "kind", "metadata"),
    )


_EMPTY = _object({})
CRD_SCHEMAS: dict[tuple[str, str], JSONDict] = {
    ("cloud.google.com/v1", "BackendConfig"): _crd(
        "cloud.google.com/v1", "BackendConfig", _BACKEND_CONFIG_SPEC, _EMPTY
    ),
    ("networking.gke.io/v1beta1", "FrontendConfig"): _crd(
        "networking.gke.io/v1beta1", "FrontendConfig", _FRONTEND_CONFIG_SPEC, _EMPTY
    ),
    ("networking.gke.io/v1beta1", "ServiceNetworkEndpointGroup"): _crd(
        "networking.gke.io/v1beta1", "ServiceNetworkEndpointGroup", _EMPTY, _SVCNEG_STATUS
    ),
}
"""Hand-written schemas for the GKE custom resources, by (apiVersion, kind)."""

# Responses that are not objects of a resource kind; their schemas are Kubernetes' own definitions.
_PARTIAL_OBJECT_METADATA = _object(
    {
        "apiVersion": {"const": "meta.k8s.io/v1"},
        "kind": {"const": "PartialObjectMetadata"},
        "metadata": _k8s_ref("ObjectMeta"),
    },
    ("metadata",),
)
META_SCHEMAS: dict[tuple[str, str], JSONDict] = {
    ("v1", "Status"): _k8s_ref("Status"),
    ("meta.k8s.io/v1", "PartialObjectMetadata"): _PARTIAL_OBJECT_METADATA,
}


def _validate_schema(schema: JSONDict, obj: JSONDict) -> None:
    validator = jsonschema.Draft202012Validator(schema, registry=_k8s_registry())
    errors = sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))
    if errors:
        pytest.fail(
            "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)
        )


@functools.cache
def _validate_kube_json(text: str) -> None:
    """Validate one object, given as canonical JSON (so identical objects are checked once)."""
    obj = json.loads(text)
    key = (obj.get("apiVersion", ""), obj.get("kind", ""))
    if key in CRD_SCHEMAS:
        _validate_schema(CRD_SCHEMAS[key], obj)
        return
    if key in META_SCHEMAS:
        _validate_schema(META_SCHEMAS[key], obj)
        return
    try:
        kubernetes_validate.validate(obj, desired_version=K8S_VERSION, strict=True)
    except kubernetes_validate.SchemaNotFoundError as exc:
        pytest.fail(f"no schema for {key}: {exc.message}; add one rather than skip it")
    except kubernetes_validate.ValidationError as exc:
        path = "/".join(map(str, exc.absolute_path))
        pytest.fail(f"{path}: {exc.message}")


def validate_kube(obj: JSONDict) -> None:
    """Strictly validate one Kubernetes object of any kind the audit reads."""
    _validate_kube_json(json.dumps(obj, sort_keys=True))


# -- Sources ------------------------------------------------------------------------------------


def scenario_functions(
    module: ModuleType = scenarios_module,
) -> dict[str, Callable[[WorldBuilder], None]]:
    """Every public function of a scenarios module that builds onto a WorldBuilder."""
    found: dict[str, Callable[[WorldBuilder], None]] = {}
    for name, fn in inspect.getmembers(module, inspect.isfunction):
        if fn.__module__ != module.__name__ or name.startswith("_"):
            continue
        params = list(inspect.signature(fn).parameters.values())
        if len(params) == 1 and params[0].annotation in (WorldBuilder, "WorldBuilder"):
            found[name] = fn
    return found


def _built(scenario: Callable[[WorldBuilder], None]) -> World:
    builder = WorldBuilder()
    scenario(builder)
    return builder.world


WORLDS: dict[str, World] = {
    "demo_world": demo_world(),
    **{name: _built(fn) for name, fn in sorted(scenario_functions().items())},
    **{name: _built(fn) for name, fn in sorted(scenario_functions(incidents_cluster).items())},
    **{name: _built(fn) for name, fn in sorted(scenario_functions(incidents_regional).items())},
    **{name: _built(fn) for name, fn in sorted(scenario_functions(incidents_live).items())},
    **{name: _built(fn) for name, fn in sorted(scenario_functions(incidents_evidence).items())},
}

LB_PAYLOAD_FIELDS = frozenset(
    {"@type", "statusDetails", "proxyStatus", "backendTargetProjectNumber", "remoteIp"}
)
"""``jsonPayload`` fields of a load balancer request log (Cloud Load Balancing logging page)."""
PROBE_RESULT_FIELDS = frozenset(
    {
        "healthState",
        "previousHealthState",
        "detailedHealthState",
        "previousDetailedHealthState",
        "probeResultText",
        "probeRequest",
        "ipAddress",
        "targetIp",
        "targetPort",
        "probeSourceIp",
        "probeCompletionTimestamp",
        "responseLatency",
        "healthCheckProtocol",
    }
)
"""``jsonPayload.healthCheckProbeResult`` fields (health check logging page)."""


def _name(obj: JSONDict) -> str:
    meta = obj.get("metadata") or {}
    return "/".join(p for p in (meta.get("namespace"), meta.get("name")) if p)


def world_compute_cases() -> Iterator[Any]:
    for world_name, world in WORLDS.items():
        for collection, scopes in world.compute.items():
            for scope, items in scopes.items():
                for r in items:
                    yield pytest.param(
                        COMPUTE_TYPES.get(collection),
                        r,
                        id=f"{world_name}:{collection}/{scope}/{r.get('name')}",
                    )
        for (service, group), health in world.backend_health.items():
            yield pytest.param(
                compute_v1.BackendServiceGroupHealth,
                health,
                id=f"{world_name}:getHealth {service.rsplit('/', 1)[-1]} {group}",
            )
        for neg, endpoints in world.network_endpoints.items():
            for i, endpoint in enumerate(endpoints):
                yield pytest.param(
                    compute_v1.NetworkEndpointWithHealthStatus,
                    endpoint,
                    id=f"{world_name}:listNetworkEndpoints {neg}#{i}",
                )


def world_log_cases() -> Iterator[Any]:
    for world_name, world in WORLDS.items():
        for i, entry in enumerate(world.log_entries):
            yield pytest.param(entry, id=f"{world_name}:{entry['logName'].rsplit('/', 1)[-1]}#{i}")


def world_cluster_cases() -> Iterator[Any]:
    for world_name, world in WORLDS.items():
        for cluster in world.clusters:
            yield pytest.param(cluster, id=f"{world_name}:clusters/{cluster['name']}")


def world_time_series_cases() -> Iterator[Any]:
    for world_name, world in WORLDS.items():
        for i, series in enumerate(world.time_series):
            labels = series.get("resource", {}).get("labels", {})
            yield pytest.param(
                series, id=f"{world_name}:timeSeries#{i} {labels.get('url_map_name')}"
            )


def world_kube_cases() -> Iterator[Any]:
    for world_name, world in WORLDS.items():
        for plural, objects in world.kube.items():
            for obj in objects:
                yield pytest.param(obj, id=f"{world_name}:{plural}/{_name(obj)}")


def cassette_files() -> list[Path]:
    return sorted(CASSETTES.rglob("*.yaml"))


def _interactions() -> Iterator[tuple[str, JSONDict, JSONDict]]:
    for path in cassette_files():
        for i, interaction in enumerate(yaml.safe_load(path.read_text())["interactions"]):
            request, response = interaction["request"], interaction["response"]
            uri = re.sub(r"^\w+://[^/]+", "", request["uri"])
            where = f"{path.relative_to(ROOT)}#{i} {request['method']} {uri.split('?')[0]}"
            yield where, request, response


def _body(response: JSONDict) -> Any:
    text = response["body"]["string"]
    return json.loads(text.decode() if isinstance(text, bytes) else text)


def _is_compute(request: JSONDict) -> bool:
    return "/compute/v1/" in request["uri"]


def cassette_compute_cases() -> Iterator[Any]:
    for where, request, response in _interactions():
        if _is_compute(request):
            yield pytest.param(response["status"]["code"], _body(response), id=where)


def cassette_kube_cases() -> Iterator[Any]:
    for where, request, response in _interactions():
        if _is_compute(request):
            continue
        body = _body(response)
        kind = str(body.get("kind", ""))
        if kind.endswith("List") and isinstance(body.get("items"), list):
            # List items carry neither apiVersion nor kind; the list's own say what they are.
            item_kind = kind.removesuffix("List")
            for item in body["items"]:
                obj = {"apiVersion": body.get("apiVersion"), "kind": item_kind, **item}
                yield pytest.param(obj, id=f"{where} {item_kind} {_name(item)}")
            list_meta = {k: v for k, v in body.items() if k != "items"}
            yield pytest.param(list_meta, id=f"{where} {kind} (list metadata)")
        else:
            yield pytest.param(body, id=f"{where} {kind or '(no kind)'}")


# -- Tests --------------------------------------------------------------------------------------


def test_there_is_something_to_check() -> None:
    """The sources are not empty, so a passing run means something was checked."""
    assert len(WORLDS) > 2
    assert any(True for _ in world_cluster_cases())
    assert any(True for _ in world_time_series_cases())
    assert any(True for _ in world_log_cases())
    assert cassette_files(), f"no cassettes under {CASSETTES}"
    assert any(True for _ in cassette_compute_cases())
    assert any(True for _ in cassette_kube_cases())


@pytest.mark.parametrize(("message_type", "resource"), list(world_compute_cases()))
def test_world_compute_payload_parses_strictly(
    message_type: type[Any] | None, resource: JSONDict
) -> None:
    """A Compute resource of a fake world is a valid resource of its collection."""
    assert message_type is not None, "a collection with no compute_v1 type in COMPUTE_TYPES"
    parse_strictly(message_type, resource)
    if "kind" in resource:
        assert compute_type_of_kind(resource["kind"]) is message_type


@pytest.mark.parametrize("cluster", list(world_cluster_cases()))
def test_world_cluster_payload_parses_strictly(cluster: JSONDict) -> None:
    """A Container API cluster of a fake world is a valid ``Cluster``, and so is its list."""
    container_v1.Cluster.from_json(json.dumps(cluster), ignore_unknown_fields=False)
    listing = json.dumps({"clusters": [cluster]})
    container_v1.ListClustersResponse.from_json(listing, ignore_unknown_fields=False)


@pytest.mark.parametrize("series", list(world_time_series_cases()))
def test_world_time_series_parses_strictly(series: JSONDict) -> None:
    """A Cloud Monitoring series of a fake world is a valid ``TimeSeries`` of INT64 DELTA points."""
    parse_strictly(monitoring_v3.TimeSeries, series)
    assert (series["metricKind"], series["valueType"]) == ("DELTA", "INT64")


@pytest.mark.parametrize("entry", list(world_log_cases()))
def test_world_log_entry_parses_strictly(entry: JSONDict) -> None:
    """A Cloud Logging entry of a fake world is a valid ``LogEntry`` with a documented payload."""
    log_entry(entry)  # LogEntry, and an AuditLog protoPayload, with unknown fields rejected
    payload = entry.get("jsonPayload", {})
    probe = payload.get("healthCheckProbeResult")
    if probe is not None:
        assert set(payload) == {"healthCheckProbeResult"}
        assert set(probe) <= PROBE_RESULT_FIELDS, set(probe) - PROBE_RESULT_FIELDS
    else:
        assert set(payload) <= LB_PAYLOAD_FIELDS, set(payload) - LB_PAYLOAD_FIELDS


@pytest.mark.parametrize("obj", list(world_kube_cases()))
def test_world_kube_object_validates_strictly(obj: JSONDict) -> None:
    """A Kubernetes object of a fake world validates against its kind's strict schema."""
    validate_kube(obj)


@pytest.mark.parametrize(("status", "body"), list(cassette_compute_cases()))
def test_cassette_compute_body_parses_strictly(status: int, body: JSONDict) -> None:
    """A recorded Compute response parses strictly as the type its ``kind`` names."""
    if "kind" not in body:
        # Only errors come without a kind: Google's error envelope, nothing else.
        assert status >= 400, f"a {status} answer without a kind"
        assert set(body) == {"error"}
        assert {"code", "message"} <= set(body["error"])
        return
    parse_strictly(compute_type_of_kind(body["kind"]), body)


@pytest.mark.parametrize("obj", list(cassette_kube_cases()))
def test_cassette_kube_object_validates_strictly(obj: JSONDict) -> None:
    """A recorded Kubernetes object (or list item) validates against its kind's strict schema."""
    if str(obj.get("kind", "")).endswith("List") and "items" not in obj:
        # A list's envelope: apiVersion, kind and ListMeta, nothing else.
        assert set(obj) <= {"apiVersion", "kind", "metadata"}, sorted(obj)
        _validate_schema(_k8s_ref("ListMeta"), obj.get("metadata", {}))
        return
    validate_kube(obj)


@pytest.fixture(autouse=True, scope="module")
def _schemas_read_once() -> Iterator[None]:
    """Read each packaged schema file once, not once per object (a pure speed-up).

    ``kubernetes_validate.validate`` re-reads and re-parses its 1.8 MB definitions file on every
    call; the files are read-only package data, so caching the parsed result changes nothing else.
    """
    with pytest.MonkeyPatch.context() as patch:
        utils = kubernetes_validate.utils
        patch.setattr(utils, "schema_contents", functools.cache(utils.schema_contents))
        yield
