"""The URL maps ingress-gce writes for Ingress specs, pinned to ingress-gce's own test tables.

URL_MAP_OUT_OF_SYNC compares a URL map with ``translate()``, so a translation bug would make both
sides wrong together. The expectations here are literals copied from ingress-gce's tests (the file
and test are named on each), never computed with gkeingress code, and the demo world's URL maps are
built without ``translate()`` (gkeingress/testing/builder/ingress_gce.py); the last test checks that
every path shape the demo world uses has a row in these tables.
"""

from typing import Any

import pytest

from gkeingress.model.naming import path_matcher_name
from gkeingress.model.translate import translate
from gkeingress.resources.k8s import SYSTEM_DEFAULT_BACKEND, BackendRef, Ingress
from gkeingress.testing import DEMO_NOW, Path, Rule, WorldBuilder, demo_world, snapshot_of


def _backend(service: str, port: int | str = 80) -> dict[str, Any]:
    ref = {"number": port} if isinstance(port, int) else {"name": port}
    return {"service": {"name": service, "port": ref}}


def _ingress(spec: dict[str, Any]) -> Ingress:
    return Ingress.from_json(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": "test-ingress", "namespace": "default"},
            "spec": spec,
        }
    )


def _port(ref: BackendRef) -> dict[str, Any]:
    return {"Number": ref.port} if isinstance(ref.port, int) else {"Name": ref.port}


def _service_port(namespace: str, ref: BackendRef) -> dict[str, Any]:
    return {"ID": {"Service": {"Namespace": namespace, "Name": ref.service}, "Port": _port(ref)}}


def gce_url_map(ingress: Ingress) -> dict[str, Any]:
    """The translation in the shape of ingress-gce's ``GCEURLMap`` test JSON (``testdata/*.json``)."""
    namespace = ingress.meta.namespace
    default = (
        _service_port(namespace, ingress.default_backend)
        if ingress.default_backend
        else _service_port("kube-system", SYSTEM_DEFAULT_BACKEND)
    )
    return {
        "DefaultBackend": default,
        "HostRules": [
            {
                "HostName": host,
                "Paths": [
                    {"Path": r.path, "Backend": _service_port(namespace, r.backend)}
                    for r in routed
                    if r.backend is not None
                ],
            }
            for host, routed in translate(ingress).hosts.items()
        ],
    }


def _to(service: str, port: dict[str, Any] | None = None) -> dict[str, Any]:
    """A ``Backend`` of ingress-gce's testdata JSON: ``default/<service>`` on port 80."""
    port = port or {"Number": 80}
    return {"ID": {"Service": {"Namespace": "default", "Name": service}, "Port": port}}


SYSTEM_DEFAULT = {
    "ID": {
        "Service": {"Namespace": "kube-system", "Name": "default-http-backend"},
        "Port": {"Name": "http"},
    }
}

FIRST = _backend("first-service")
SECOND = _backend("second-service")

# TestTranslateIngress, pkg/controller/translator/translator_test.go: each case's Ingress (the
# testdata/<name>.yaml spec) and its wantGCEURLMap (testdata/<name>.json, or the literal in the case).
TRANSLATE_INGRESS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "default backend only": (
        {"defaultBackend": FIRST},
        {"DefaultBackend": _to("first-service"), "HostRules": []},
    ),
    "no backend": ({}, {"DefaultBackend": SYSTEM_DEFAULT, "HostRules": []}),
    "no host (ingress-no-host)": (
        {"rules": [{"http": {"paths": [{"path": "/testpath", "backend": FIRST}]}}]},
        {
            "DefaultBackend": SYSTEM_DEFAULT,
            "HostRules": [
                {"HostName": "*", "Paths": [{"Path": "/testpath", "Backend": _to("first-service")}]}
            ],
        },
    ),
    "single host (ingress-single-host)": (
        {
            "rules": [
                {
                    "host": "foo.bar.com",
                    "http": {"paths": [{"path": "/testpath", "backend": FIRST}]},
                }
            ]
        },
        {
            "DefaultBackend": SYSTEM_DEFAULT,
            "HostRules": [
                {
                    "HostName": "foo.bar.com",
                    "Paths": [{"Path": "/testpath", "Backend": _to("first-service")}],
                }
            ],
        },
    ),
    "two hosts (ingress-two-hosts)": (
        {
            "rules": [
                {"host": "foo.bar.com", "http": {"paths": [{"backend": FIRST}]}},
                {"host": "abc.com", "http": {"paths": [{"backend": SECOND}]}},
            ]
        },
        {
            "DefaultBackend": SYSTEM_DEFAULT,
            "HostRules": [
                {
                    "HostName": "foo.bar.com",
                    "Paths": [{"Path": "/*", "Backend": _to("first-service")}],
                },
                {
                    "HostName": "abc.com",
                    "Paths": [{"Path": "/*", "Backend": _to("second-service")}],
                },
            ],
        },
    ),
    "multiple paths (ingress-multi-paths)": (
        {
            "rules": [
                {
                    "host": "foo.bar.com",
                    "http": {
                        "paths": [
                            {"path": "/testpath", "backend": FIRST},
                            {"path": "/otherpath", "backend": SECOND},
                        ]
                    },
                }
            ]
        },
        {
            "DefaultBackend": SYSTEM_DEFAULT,
            "HostRules": [
                {
                    "HostName": "foo.bar.com",
                    "Paths": [
                        {"Path": "/testpath", "Backend": _to("first-service")},
                        {"Path": "/otherpath", "Backend": _to("second-service")},
                    ],
                }
            ],
        },
    ),
    "multiple empty paths (ingress-multi-empty)": (
        {
            "rules": [
                {
                    "host": "foo.bar.com",
                    "http": {"paths": [{"path": "", "backend": FIRST}, {"backend": SECOND}]},
                }
            ]
        },
        {
            "DefaultBackend": SYSTEM_DEFAULT,
            "HostRules": [
                {
                    "HostName": "foo.bar.com",
                    "Paths": [{"Path": "/*", "Backend": _to("second-service")}],
                }
            ],
        },
    ),
}


@pytest.mark.parametrize(("spec", "want"), TRANSLATE_INGRESS.values(), ids=TRANSLATE_INGRESS)
def test_translate_ingress_cases(spec: dict[str, Any], want: dict[str, Any]) -> None:
    """Each TestTranslateIngress case gives ingress-gce's URL map (translator_test.go)."""
    assert gce_url_map(_ingress(spec)) == want


# TestPathValidation, pkg/controller/translator/translator_test.go: host foo.bar.com, one path to
# my-service:80; pathType None stands for a nil pathType. A None expectation is an invalid path.
PATH_VALIDATION: list[tuple[str, str | None, str, list[str] | None]] = [
    ("Valid path for exact path type", "Exact", "/test", ["/test"]),
    ("Valid path for exact path type with trailing '/'", "Exact", "/test/", ["/test/"]),
    ("Invalid Exact Path includes a wildcard", "Exact", "/test/*", None),
    ("Invalid empty Exact Path", "Exact", "", None),
    ("Valid Prefix path without wildcard", "Prefix", "/test", ["/test", "/test/*"]),
    ("Valid Prefix path with trailing /", "Prefix", "/test/", ["/test", "/test/*"]),
    ("Valid Prefix path /", "Prefix", "/", ["/*"]),
    ("Invalid Prefix path with a wildcard", "Prefix", "/test/*", None),
    ("Invalid Prefix empty path", "Prefix", "", None),
    ("Valid ImplementationSpecific path", "ImplementationSpecific", "/test", ["/test"]),
    ("Empty path type valid path without wildcard", None, "/test", ["/test"]),
    ("Empty path type valid path with wildcard", None, "/test/*", ["/test/*"]),
    ("Empty path type valid empty path", None, "", ["/*"]),
    ("Invalid Path Type", "InvalidType", "/test/*", None),
]


@pytest.mark.parametrize(
    ("path_type", "path", "expected"),
    [row[1:] for row in PATH_VALIDATION],
    ids=[row[0] for row in PATH_VALIDATION],
)
def test_path_validation_cases(
    path_type: str | None, path: str, expected: list[str] | None
) -> None:
    """Each TestPathValidation case gives ingress-gce's path rules, or an error (translator_test.go)."""
    item: dict[str, Any] = {"path": path, "backend": _backend("my-service")}
    if path_type is not None:
        item["pathType"] = path_type
    ingress = _ingress({"rules": [{"host": "foo.bar.com", "http": {"paths": [item]}}]})
    translation = translate(ingress)
    if expected is None:
        assert translation.errors
        assert translation.hosts == {"foo.bar.com": ()}
        return
    assert translation.errors == ()
    assert gce_url_map(ingress)["HostRules"] == [
        {
            "HostName": "foo.bar.com",
            "Paths": [{"Path": p, "Backend": _to("my-service")} for p in expected],
        }
    ]


def test_a_later_rule_for_a_host_replaces_it_and_a_repeated_path_keeps_its_last_place() -> None:
    """A host's second rule overwrites the first; of two equal paths the later wins, in its place.

    TestGCEURLMap, pkg/utils/gceurlmap_test.go; the order is PutPathRulesForHost's in gceurlmap.go.
    """
    ingress = _ingress(
        {
            "rules": [
                {
                    "host": "example.com",
                    "http": {
                        "paths": [
                            {"path": "/test1", "pathType": "Exact", "backend": _backend("a")},
                            {"path": "/test2", "pathType": "Exact", "backend": _backend("b")},
                        ]
                    },
                },
                {"host": "foo.bar.com", "http": {"paths": [{"path": "/other", "backend": FIRST}]}},
                {
                    "host": "example.com",
                    "http": {
                        "paths": [
                            {"path": "/test4", "pathType": "Exact", "backend": _backend("c")},
                            {"path": "/test5", "pathType": "Exact", "backend": _backend("d")},
                            {"path": "/test4", "pathType": "Exact", "backend": _backend("e")},
                        ]
                    },
                },
            ]
        }
    )
    assert gce_url_map(ingress)["HostRules"] == [
        {"HostName": "foo.bar.com", "Paths": [{"Path": "/other", "Backend": _to("first-service")}]},
        {
            "HostName": "example.com",
            "Paths": [
                {"Path": "/test5", "Backend": _to("d")},
                {"Path": "/test4", "Backend": _to("e")},
            ],
        },
    ]


@pytest.mark.parametrize(
    ("host", "matcher"),
    [
        # TestToComputeURLMap, pkg/translator/translator_test.go (testCompositeURLMap)
        ("abc.com", "host929ba26f492f86d4a9d66a080849865a"),
        ("foo.bar.com", "host2d50cf9711f59181be6a5e5658e42c21"),
    ],
)
def test_path_matcher_names(host: str, matcher: str) -> None:
    """A host's path matcher is named as ingress-gce names it in its URL map tests."""
    assert path_matcher_name(host) == matcher


def test_the_builders_url_map_is_the_one_ingress_gce_writes() -> None:
    """The builder writes a Prefix `/api` + `/` Ingress's URL map as ingress-gce does, field by field.

    ToCompositeURLMap's shape (TestToComputeURLMap, pkg/translator/translator_test.go); the backend
    service names are ingress-gce's namer's for the builder's cluster uid.
    """
    b = WorldBuilder()
    b.service("shop", "web")
    b.service("shop", "api", port=8080)
    ingress = b.ingress(
        "shop",
        "web-ingress",
        rules=[Rule("shop.example.com", [Path("/api", "api", 8080), Path("/", "web")])],
    )
    link = "https://www.googleapis.com/compute/v1/projects/demo-project/global/backendServices/"
    system_default = link + "k8s1-1a2b3c4d-kube-system-default-http-backend-80-66379989"
    api = link + "k8s1-1a2b3c4d-shop-api-8080-806c299d"
    url_map = b.compute_resource("urlMaps", "k8s2-um-adl25tto-shop-web-ingress-sna8v605")
    assert ingress["metadata"]["annotations"]["ingress.kubernetes.io/url-map"] == url_map["name"]
    assert {k: url_map[k] for k in ("defaultService", "hostRules", "pathMatchers")} == {
        "defaultService": system_default,
        "hostRules": [
            {"hosts": ["shop.example.com"], "pathMatcher": "hostf40d9b2f6eeec78e169bc40177907bff"}
        ],
        "pathMatchers": [
            {
                "name": "hostf40d9b2f6eeec78e169bc40177907bff",
                "defaultService": system_default,
                "pathRules": [
                    {"paths": ["/api"], "service": api},
                    {"paths": ["/api/*"], "service": api},
                    {"paths": ["/*"], "service": link + "k8s1-1a2b3c4d-shop-web-80-ce0f3856"},
                ],
            }
        ],
    }


def _shape(path_type: str, path: str) -> tuple[str, str]:
    """What kind of path this is, for the coverage check: the rule branches of the translator."""
    if not path:
        kind = "empty"
    elif path == "/":
        kind = "root"
    elif path.endswith("/*"):
        kind = "wildcard"
    elif "*" in path:
        kind = "inner wildcard"
    elif path.endswith("/"):
        kind = "trailing slash"
    else:
        kind = "plain"
    return path_type, kind


TABLE_SHAPES = {
    _shape(path_type or "ImplementationSpecific", path) for _, path_type, path, _ in PATH_VALIDATION
} | {
    _shape(item.get("pathType", "ImplementationSpecific"), item.get("path", ""))
    for spec, _ in TRANSLATE_INGRESS.values()
    for rule in spec.get("rules", ())
    for item in rule["http"]["paths"]
}


def test_every_path_shape_of_the_demo_world_has_a_row_in_the_tables() -> None:
    """A path shape the demo world uses but no ingress-gce row pins could hide a translation bug."""
    ingresses = snapshot_of(demo_world(), DEMO_NOW).ingresses
    used = {_shape(p.path_type, p.path) for i in ingresses for r in i.rules for p in r.paths}
    assert used
    assert used <= TABLE_SHAPES, used - TABLE_SHAPES
    host_shapes = {
        "wildcard" if r.host.startswith("*") else bool(r.host) for i in ingresses for r in i.rules
    }
    assert host_shapes <= {False, True}, "a wildcard host has no row in the tables"
