"""A simulated ingress-gce: Ingresses and the load balancer front ends it provisions for them.

The URL map, target proxy and forwarding rule, with ingress-gce's annotations, status and events.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta

from gkeingress.model.naming import path_matcher_name
from gkeingress.resources.k8s import BackendRef, Ingress
from gkeingress.resources.refs import COMPUTE_URL
from gkeingress.testing.builder.backends import LB_SCHEME, BackendPlumbing
from gkeingress.testing.builder.base import Rule, k8s_time
from gkeingress.testing.world import JSONDict

PROXY_ONLY_RANGE = "10.129.0.0/23"
"""The ``REGIONAL_MANAGED_PROXY`` subnet of the cluster's region and network. Regional Application
Load Balancers send from it, so ingress-gce adds it to the L7 firewall rule for regional Ingresses
(``ilbFirewallSrcRange``, ``rxlbFirewallSrcRange`` in ``pkg/firewalls/controller.go``)."""


def _url_map_paths(path: str, path_type: str) -> tuple[str, ...]:
    """The URL map paths ingress-gce writes for one valid Ingress path, as GKE documents them.

    ``Exact`` and ``ImplementationSpecific`` paths are used as written (an empty one is ``/*``);
    ``Prefix`` ``/foo`` (or ``/foo/``) becomes ``/foo`` and ``/foo/*``, and ``Prefix`` ``/`` is ``/*``.
    Written apart from :mod:`gkeingress.model.translate` on purpose: the demo world's URL maps are
    what URL_MAP_OUT_OF_SYNC compares that module's translation against, so they must not come from
    it (tests/unit/test_translate.py pins both against ingress-gce's own test tables).
    """
    if path_type != "Prefix":
        return (path or "/*",)
    stem = path.rstrip("/")
    return (stem, stem + "/*") if stem else ("/*",)


def _host_paths(ingress: Ingress) -> dict[str, dict[str, BackendRef]]:
    """Host (``*`` for a rule without one) → URL map path → Service port, as ingress-gce merges them.

    A later rule for the same host replaces an earlier one, and a path written twice keeps its last
    backend and place. Resource backends are not modelled.
    """
    hosts: dict[str, dict[str, BackendRef]] = {}
    for rule in ingress.rules:
        if not rule.has_http:
            continue
        paths: dict[str, BackendRef] = {}
        for item in rule.paths:
            assert item.backend is not None, "resource backends are not modelled by the builder"
            for path in _url_map_paths(item.path, item.path_type):
                paths.pop(path, None)  # the later of two equal paths wins, in its place
                paths[path] = item.backend
        host = rule.host or "*"
        hosts.pop(host, None)
        hosts[host] = paths
    return hosts


class IngressGCE(BackendPlumbing):
    """Ingresses, and the load balancers ingress-gce provisions for them."""

    def ingress(
        self,
        namespace: str,
        name: str,
        *,
        rules: Sequence[Rule] = (),
        default_backend: tuple[str, int | str] | None = None,
        ingress_class: str | None = "gce",
        v2: bool = True,
        age: timedelta = timedelta(days=2),
        provision: bool = True,
    ) -> JSONDict:
        """An Ingress and, with ``provision``, the load balancer ingress-gce made for it."""
        spec: JSONDict = {"rules": [self._rule(r) for r in rules]}
        if default_backend:
            spec["defaultBackend"] = self._backend(*default_backend)
        annotations = {"kubernetes.io/ingress.class": ingress_class} if ingress_class else {}
        changed = k8s_time(self.now - age)
        ing = self._kube(
            "ingresses",
            "networking.k8s.io/v1",
            "Ingress",
            namespace,
            name,
            age=age,
            meta={
                "generation": 1,
                "annotations": annotations,
                "managedFields": [
                    {
                        "manager": "kubectl-client-side-apply",
                        "operation": "Update",
                        "apiVersion": "networking.k8s.io/v1",
                        "time": changed,
                        "fieldsType": "FieldsV1",
                        "fieldsV1": {"f:spec": {"f:rules": {}}},
                    }
                ],
            },
            spec=spec,
            status={"loadBalancer": {}},
        )
        if provision:
            self.provision(ing, v2=v2, age=age)
        return ing

    def _backend(self, service: str, port: int | str) -> JSONDict:
        ref = {"number": port} if isinstance(port, int) else {"name": port}
        return {"service": {"name": service, "port": ref}}

    def _rule(self, rule: Rule) -> JSONDict:
        body: JSONDict = {
            "http": {
                "paths": [
                    {
                        "path": p.path,
                        "pathType": p.path_type,
                        "backend": self._backend(p.service, p.port),
                    }
                    for p in rule.paths
                ]
            }
        }
        if rule.host:
            body["host"] = rule.host
        return body

    def provision(
        self, ing: JSONDict, *, v2: bool = True, age: timedelta = timedelta(days=2)
    ) -> None:
        """Make the load balancer for ``ing`` and write ingress-gce's annotations, status and events."""
        meta = ing["metadata"]
        namespace, name = meta["namespace"], meta["name"]
        names = self.namer.frontend(namespace, name, v2=v2)
        view = Ingress.from_json(ing)
        scope = self._scope(view)
        default = view.default_backend
        default_bs = (
            self._ensure_backend(namespace, default, view, age)
            if default
            else self._ensure_backend(
                "kube-system", BackendRef("default-http-backend", "http"), view, age
            )
        )
        path_matchers, host_rules = [], []
        for host, routed in _host_paths(view).items():
            matcher = path_matcher_name(host)
            host_rules.append({"hosts": [host], "pathMatcher": matcher})
            path_matchers.append(
                {
                    "name": matcher,
                    "defaultService": self.link(scope, "backendServices", default_bs),
                    "pathRules": [
                        {
                            "paths": [path],
                            "service": self.link(
                                scope,
                                "backendServices",
                                self._ensure_backend(namespace, backend, view, age),
                            ),
                        }
                        for path, backend in routed.items()
                    ],
                }
            )
        body: JSONDict = {"defaultService": self.link(scope, "backendServices", default_bs)}
        if host_rules:
            body.update(hostRules=host_rules, pathMatchers=path_matchers)
        url_map = self._compute(
            "urlMaps", scope, "urlMap", names.url_map, age=age, fingerprint="nA7yRIDMSb4=", **body
        )
        description = json.dumps({"kubernetes.io/ingress-name": f"{namespace}/{name}"})
        self._compute(
            "targetHttpProxies",
            scope,
            "targetHttpProxy",
            names.http_proxy,
            age=age,
            description=description,
            urlMap=url_map["selfLink"],
            fingerprint="vYGiTl2-GQk=",
        )
        ip = self._next_ip("34.117", self._lb_ips)
        self._compute(
            "forwardingRules",
            scope,
            "forwardingRule",
            names.http_rule,
            age=age,
            description=description,
            IPAddress=ip,
            IPProtocol="TCP",
            portRange="80-80",
            target=self.link(scope, "targetHttpProxies", names.http_proxy),
            loadBalancingScheme=LB_SCHEME.get(view.class_annotation or "", "EXTERNAL"),
            networkTier="PREMIUM",
            labelFingerprint="42WmSpB8rSM=",
            fingerprint="x7yzs1hWXDo=",
            **({"network": self.network} if view.is_regional else {}),
        )
        if view.is_regional:
            self._open_l7_firewall(sources=[PROXY_ONLY_RANGE])
        backends = sorted({default_bs, *(self._backend_names_in(url_map))})
        annotations = meta.setdefault("annotations", {})
        annotations.update(
            {
                "ingress.kubernetes.io/backends": json.dumps(
                    dict.fromkeys(backends, "HEALTHY"), separators=(",", ":")
                ),
                "ingress.kubernetes.io/forwarding-rule": names.http_rule,
                "ingress.kubernetes.io/target-proxy": names.http_proxy,
                "ingress.kubernetes.io/url-map": names.url_map,
            }
        )
        meta["finalizers"] = [
            "networking.gke.io/ingress-finalizer-V2"
            if v2
            else "networking.gke.io/ingress-finalizer"
        ]
        ing["status"] = {"loadBalancer": {"ingress": [{"ip": ip}]}}
        self.event(
            ing, "Sync", "Scheduled for sync", type="Normal", ago=timedelta(minutes=7), count=12
        )
        self.event(ing, "Sync", f'UrlMap "{names.url_map}" created', type="Normal", ago=age)
        self.event(ing, "IPChanged", f"IP is now {ip}", type="Normal", ago=age)

    def _backend_names_in(self, url_map: JSONDict) -> set[str]:
        links = [url_map["defaultService"]]
        for pm in url_map.get("pathMatchers", ()):
            links.append(pm["defaultService"])
            links.extend(rule["service"] for rule in pm["pathRules"])
        return {link.rsplit("/", 1)[-1] for link in links}

    def address(self, name: str, *, region: str | None = None) -> JSONDict:
        """A reserved static IP address, global or in ``region``."""
        scope = f"regions/{region}" if region else "global"
        body: JSONDict = {
            "address": self._next_ip("34.120", self._lb_ips),
            "status": "RESERVED",
            "addressType": "EXTERNAL",
            "networkTier": "PREMIUM",
        }
        if region:
            body["region"] = f"{COMPUTE_URL}projects/{self.world.project}/regions/{region}"
        else:
            body["ipVersion"] = "IPV4"
        return self._compute("addresses", scope, "address", name, description="", **body)
