"""A URL routed as Google's load balancer routes it, hop by hop, beside what the Ingress spec means."""

import pytest

from gkeingress.model.matching import (
    RequestUrl,
    gce_host_rank,
    gce_path_rank,
    k8s_host_rank,
    k8s_path_rank,
    match_url_map,
)
from gkeingress.resources.gce import UrlMap
from gkeingress.resources.k8s import IngressPath
from gkeingress.resources.refs import RefReader
from gkeingress.testing import Path, Rule, WorldBuilder
from tests.unit.conftest import Judge

GKE_404 = "k8s1-1a2b3c4d-kube-system-default-http-backend-80-"


def _shop(b: WorldBuilder, *paths: Path, host: str = "shop.example.com") -> None:
    """``shop/web`` with Services ``web`` and ``api`` and one rule for ``host``."""
    b.service("shop", "web")
    b.service("shop", "api")
    b.ingress("shop", "web", rules=[Rule(host, paths or [Path("/api", "api"), Path("/", "web")])])


# -- Matching rules, without a world ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "host", "matches"),
    [
        ("shop.example.com", "shop.example.com", True),
        ("Shop.Example.com", "shop.example.com", True),
        ("shop.example.com:443", "shop.example.com", True),
        ("shop.example.com", "www.shop.example.com", False),
        ("*", "anything.test", True),
        ("*.example.com", "a.example.com", True),
        ("*.example.com", "a.b.example.com", True),
        ("*.example.com", "example.com", False),
        ("*-api.example.com", "eu-api.example.com", True),
    ],
)
def test_url_map_host_patterns(pattern: str, host: str, *, matches: bool) -> None:
    """Google's `*` prefix matches any run of labels, and hosts compare without case or port."""
    assert (gce_host_rank(pattern, host) is not None) is matches


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("/api/*", "/api/", True),
        ("/api/*", "/api/users", True),
        ("/api/*", "/api", False),
        ("/api", "/api", True),
        ("/api", "/api/", False),
        ("/api", "/api/users", False),
        ("/*", "/anything/at/all", True),
        ("/API", "/api", False),
    ],
)
def test_url_map_path_patterns(pattern: str, path: str, *, matches: bool) -> None:
    """A path rule path is exact unless it ends in `/*`, and `/api/*` does not match `/api`."""
    assert (gce_path_rank(pattern, path) is not None) is matches


def test_longest_path_rule_wins_whatever_its_place_in_the_list() -> None:
    """Path rules are matched longest first; an exact path beats a wildcard of the same length."""
    url_map = UrlMap.from_json(
        {
            "selfLink": "projects/p/global/urlMaps/um",
            "defaultService": "global/backendServices/default",
            "hostRules": [{"hosts": ["*"], "pathMatcher": "all"}],
            "pathMatchers": [
                {
                    "name": "all",
                    "defaultService": "global/backendServices/default",
                    "pathRules": [
                        {"paths": ["/*"], "service": "global/backendServices/root"},
                        {"paths": ["/a/*"], "service": "global/backendServices/a"},
                        {"paths": ["/a/b/*"], "service": "global/backendServices/ab"},
                        {"paths": ["/a/"], "service": "global/backendServices/a-index"},
                    ],
                }
            ],
        },
        RefReader("p"),
    )

    def served(path: str) -> str | None:
        service = match_url_map(url_map, "any.test", path).service
        return service.name if service else None

    assert served("/a/b/c") == "ab"
    assert served("/a/x") == "a"
    assert served("/a/") == "a-index"
    assert served("/b") == "root"


@pytest.mark.parametrize(
    ("path", "path_type", "request_path", "matches"),
    [
        ("/foo", "Prefix", "/foo", True),
        ("/foo", "Prefix", "/foo/", True),
        ("/foo", "Prefix", "/foo/bar", True),
        ("/foo", "Prefix", "/foobar", False),
        ("/foo/", "Prefix", "/foo", True),
        ("/", "Prefix", "/anything", True),
        ("/foo", "Exact", "/foo", True),
        ("/foo", "Exact", "/foo/", False),
        ("/foo", "ImplementationSpecific", "/foo/bar", False),
        ("/foo/*", "ImplementationSpecific", "/foo/bar", True),
        ("", "ImplementationSpecific", "/anything", True),
    ],
)
def test_kubernetes_path_types(
    path: str, path_type: str, request_path: str, *, matches: bool
) -> None:
    """Prefix matches whole path elements; ImplementationSpecific is exact on GKE unless it ends in `/*`."""
    item = IngressPath(path, path_type, None)
    rank = k8s_path_rank(item, request_path, prefix_implementation_specific=False)
    assert (rank is not None) is matches


@pytest.mark.parametrize(
    ("rule_host", "host", "matches"),
    [
        ("", "anything.test", True),
        ("foo.com", "foo.com", True),
        ("*.foo.com", "bar.foo.com", True),
        ("*.foo.com", "baz.bar.foo.com", False),
        ("*.foo.com", "foo.com", False),
    ],
)
def test_kubernetes_wildcard_host_matches_one_label(
    rule_host: str, host: str, *, matches: bool
) -> None:
    """In the Ingress spec `*.foo.com` matches exactly one label, unlike Google's `*`."""
    assert (k8s_host_rank(rule_host, host) is not None) is matches


def test_url_parsing_ignores_query_case_and_default_port() -> None:
    """Only scheme, lower-case host, port and path matter."""
    assert RequestUrl.parse("https://Shop.Example.com/api/users?q=1#top") == RequestUrl(
        "https", "shop.example.com", 443, "/api/users"
    )
    assert RequestUrl.parse("http://shop.example.com:8080") == RequestUrl(
        "http", "shop.example.com", 8080, "/"
    )


@pytest.mark.parametrize(
    "url",
    ["not-a-url", "shop.example.com:8080", "/api/users", "ftp://shop.example.com/", "http://"],
)
def test_a_url_needs_an_http_scheme_and_a_host(url: str) -> None:
    """Without http:// or https:// and a host there is nothing to route: a clear error, no guess."""
    with pytest.raises(ValueError, match="give http:// or https:// and a host"):
        RequestUrl.parse(url)


# -- Routing through a built world -----------------------------------------------------------------


def test_matching_host_and_path_reach_the_service_through_every_hop(
    builder: WorldBuilder, judge: Judge
) -> None:
    """`/api/users` on the rule's host takes `/api/*` to Service shop/api, every hop healthy."""
    _shop(builder)
    answer = judge(builder).route("http://shop.example.com/api/users?page=2")
    assert answer.matched
    assert answer.ingress == "shop/web"
    assert answer.service == "shop/api"
    assert answer.backend_service == builder.backend_name("shop", "api", 80)
    assert "Host rule shop.example.com and path rule /api/* of URL map" in answer.reason
    assert [h.kind for h in answer.hops] == [
        "forwarding rule",
        "target HTTP proxy",
        "URL map",
        "backend service",
        "health check",
        "NEG",
        "NEG",
        "Service",
        "pods",
    ]
    assert answer.ok
    assert answer.hops[-1].note == "2/2 ready"
    assert answer.spec.service == "shop/api"
    assert answer.disagreement is None


def test_unknown_host_gets_404_from_gkes_default_backend(
    builder: WorldBuilder, judge: Judge
) -> None:
    """No host rule for the host: the URL map's default service, GKE's 404 backend, answers."""
    _shop(builder)
    answer = judge(builder).route("http://www.example.com/api/users", ingress="shop/web")
    assert not answer.matched
    assert answer.backend_service is not None
    assert answer.backend_service.startswith(GKE_404)
    assert answer.service is None
    assert "no host rule matches host www.example.com" in answer.reason
    assert "host rules exist only for shop.example.com" in answer.reason
    assert "404 from GKE's default backend kube-system/default-http-backend" in answer.reason
    assert "the Ingress has no spec.defaultBackend" in answer.reason
    assert not answer.ok
    assert answer.disagreement is None


def test_rule_without_host_serves_every_host(builder: WorldBuilder, judge: Judge) -> None:
    """A rule without a host becomes host rule `*`: any host reaches the Service."""
    _shop(builder, Path("/", "web"), host="")
    answer = judge(builder).route("http://whatever.test/page")
    assert answer.matched
    assert answer.service == "shop/web"
    assert answer.map_route is not None
    assert answer.map_route.host_pattern == "*"


def test_wildcard_host_is_deeper_on_google_than_in_the_spec(
    builder: WorldBuilder, judge: Judge
) -> None:
    """`*.example.com` serves `a.example.com` on both; `a.b.example.com` only on Google's side."""
    _shop(builder, Path("/", "web"), host="*.example.com")
    report = judge(builder)
    one_label = report.route("http://eu.example.com/")
    assert one_label.matched
    assert one_label.disagreement is None
    two_labels = report.route("http://shop.eu.example.com/")
    assert two_labels.matched
    assert two_labels.service == "shop/web"
    assert not two_labels.spec.matched
    assert two_labels.disagreement is not None
    assert "lets *.example.com match any number of labels" in two_labels.disagreement


@pytest.mark.parametrize(
    ("path_type", "served_by"),
    [("Prefix", "shop/api"), ("Exact", "shop/web"), ("ImplementationSpecific", "shop/web")],
)
def test_path_type_decides_whether_sub_paths_follow(
    path_type: str, served_by: str, builder: WorldBuilder, judge: Judge
) -> None:
    """Beside `/` (Prefix), only a Prefix `/api` keeps `/api/users`; Exact and GKE's reading let it fall."""
    _shop(builder, Path("/api", "api", path_type=path_type), Path("/", "web"))
    answer = judge(builder).route("http://shop.example.com/api/users")
    assert answer.service == served_by
    assert answer.spec.service == served_by


def test_implementation_specific_api_is_exact_and_says_so(
    builder: WorldBuilder, judge: Judge
) -> None:
    """ImplementationSpecific `/api` alone: `/api/users` gets 404, and the answer says what was expected."""
    _shop(builder, Path("/api", "api", path_type="ImplementationSpecific"))
    answer = judge(builder).route("http://shop.example.com/api/users")
    assert not answer.matched
    assert answer.service is None
    assert (
        "/api is exact: it matches only /api, not /api/users (there is no /api/* rule)"
        in answer.reason
    )
    assert "path matcher's default service answers: 404" in answer.reason
    assert answer.disagreement is not None
    assert "ImplementationSpecific path /api is exact on GKE" in answer.disagreement
    assert "shop/api:80 as it would under Prefix semantics" in answer.disagreement
    assert "add /api/*" in answer.disagreement


def test_url_map_missing_a_spec_path_is_out_of_sync(builder: WorldBuilder, judge: Judge) -> None:
    """A path added to the spec that ingress-gce never wrote: the map 404s, the spec disagrees."""
    _shop(builder, Path("/", "web", path_type="Exact"))
    ingress = builder.kube_object("ingresses", "shop", "web")
    ingress["spec"]["rules"][0]["http"]["paths"].append(
        {
            "path": "/api",
            "pathType": "Prefix",
            "backend": {"service": {"name": "api", "port": {"number": 80}}},
        }
    )
    answer = judge(builder).route("http://shop.example.com/api/users")
    assert not answer.matched
    assert answer.spec.service == "shop/api"
    assert answer.disagreement is not None
    assert (
        "the spec says rule shop.example.com, path /api (Prefix) → shop/api:80"
        in answer.disagreement
    )
    assert "The URL map is out of sync with the spec" in answer.disagreement
    assert builder.backend_name("shop", "api", 80) in answer.disagreement


def test_default_backend_of_the_ingress_answers_instead_of_404(
    builder: WorldBuilder, judge: Judge
) -> None:
    """With spec.defaultBackend, an unmatched path goes to that Service, not to a 404."""
    builder.service("shop", "web")
    builder.service("shop", "api")
    builder.ingress(
        "shop",
        "web",
        rules=[Rule("shop.example.com", [Path("/api", "api")])],
        default_backend=("web", 80),
    )
    answer = judge(builder).route("http://shop.example.com/checkout")
    assert not answer.matched
    assert answer.service == "shop/web"
    assert answer.backend_service == builder.backend_name("shop", "web", 80)
    assert "404" not in answer.reason
    assert answer.ok
    assert (
        answer.spec.describe()
        == "no path of rule shop.example.com matches → spec.defaultBackend shop/web:80"
    )


def test_the_ingress_with_the_most_specific_host_rule_answers(
    builder: WorldBuilder, judge: Judge
) -> None:
    """An exact host rule beats a `*` rule of another Ingress, which is listed as a candidate."""
    builder.service("catchall", "web")
    builder.ingress("catchall", "web", rules=[Rule("", [Path("/", "web")])])
    _shop(builder)
    report = judge(builder)
    answer = report.route("http://shop.example.com/")
    assert answer.ingress == "shop/web"
    assert answer.candidates == ("catchall/web",)
    assert "other Ingresses serving shop.example.com: catchall/web" in str(answer)
    forced = report.route("http://shop.example.com/", ingress="catchall/web")
    assert forced.ingress == "catchall/web"
    assert forced.service == "catchall/web"
    with pytest.raises(KeyError, match="no Ingress 'shop/nope'"):
        report.route("http://shop.example.com/", ingress="shop/nope")


def test_an_ip_address_picks_the_load_balancer_that_owns_it(
    builder: WorldBuilder, judge: Judge
) -> None:
    """Curling the bare IP reaches that Ingress's load balancer, and no host rule matches an IP."""
    builder.service("blog", "blog")
    builder.ingress("blog", "blog", rules=[Rule("blog.example.com", [Path("/", "blog")])])
    _shop(builder)
    report = judge(builder)
    [address] = report.ingress("shop/web").ingress.addresses
    answer = report.route(f"http://{address}/api")
    assert answer.ingress == "shop/web"
    assert answer.candidates == ()
    assert answer.backend_service is not None
    assert answer.backend_service.startswith(GKE_404)


def test_https_without_tls_is_refused_before_the_url_map(
    builder: WorldBuilder, judge: Judge
) -> None:
    """An Ingress without TLS has no port 443 forwarding rule: the rule matches, the frontend fails."""
    _shop(builder)
    answer = judge(builder).route("https://shop.example.com/api/users")
    assert answer.matched
    assert answer.service == "shop/api"
    assert not answer.hops[0].ok
    assert "no forwarding rule listens on port 443" in answer.hops[0].note
    assert "https:// connections are refused" in answer.reason
    assert not answer.ok


def test_http_proxy_on_the_redirect_map_sends_http_to_https_first(
    builder: WorldBuilder, judge: Judge
) -> None:
    """With HTTPS redirect on, the HTTP proxy uses the `rm` map: a working hop that redirects."""
    _shop(builder)
    names = builder.namer.frontend("shop", "web", v2=True)
    assert names.redirect_url_map is not None
    redirect = builder.link("global", "urlMaps", names.redirect_url_map)
    builder.world.compute_resources("urlMaps", "global").append(
        {
            "kind": "compute#urlMap",
            "name": names.redirect_url_map,
            "selfLink": redirect,
            "defaultUrlRedirect": {"httpsRedirect": True},
        }
    )
    builder.compute_resource("targetHttpProxies", names.http_proxy)["urlMap"] = redirect
    answer = judge(builder).route("http://shop.example.com/api")
    proxy = answer.hops[1]
    assert proxy.ok
    assert proxy.note == (
        f"→ URL map {names.redirect_url_map}, which redirects to https:// (the rest applies after it)"
    )
    assert answer.matched
    assert answer.service == "shop/api"


def test_answer_as_json_and_text(builder: WorldBuilder, judge: Judge) -> None:
    """`to_dict` carries the verdict, the rules and every hop; `str` names the same facts."""
    _shop(builder)
    answer = judge(builder).route("http://shop.example.com/api")
    data = answer.to_dict()
    assert data["url"] == "http://shop.example.com/api"
    assert (data["matched"], data["service"], data["port"]) == (True, "shop/api", 80)
    assert data["url_map"]["path_rule"] == "/api"
    assert data["spec"]["path_type"] == "Prefix"
    assert len(data["hops"]) == len(answer.hops)
    assert data["disagreement"] is None
    assert (data["serves"], data["answer"]) == (True, "serves: shop/api pods, 2 ready")
    text = str(answer)
    assert text.startswith(
        "serves: shop/api pods, 2 ready\n"
        "http://shop.example.com/api → Ingress shop/web\nmatched: backend service "
    )
    assert "✔ pods shop/api: 2/2 ready" in text
