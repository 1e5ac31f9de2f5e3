"""Who answered: the signatures of GKE's default backend and of Google's front end, read from a response."""

import pytest

from gkeingress.model.answers import Answer, Expectation, classify, disagreement, is_via_google

# The bodies below are the ones ingress-gce's docs/troubleshooting/troubleshooting.md quotes and
# its cmd/404-server writes, typed here rather than produced by the fake load balancer.
GFE_502 = (
    "<html><head>\n<title>502 Server Error</title>\n</head>\n<body text=#000000 bgcolor=#ffffff>\n"
    "<h1>Error: Server Error</h1>\n<h2>The server encountered a temporary error and could not "
    "complete your request.<p>Please try again in 30 seconds.</h2>\n<h2></h2>\n</body></html>"
)
GFE_404 = (
    "<a href=//www.google.com/><span id=logo aria-label=Google></span></a>\n"
    "<p><b>404.</b> <ins>That’s an error.</ins>\n<p>The requested URL <code>/hostless</code> "
    "was not found on this server.  <ins>That’s all we know.</ins>"
)
APACHE_404 = (
    "<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n"
    "<address>Apache/2.4.57 (Debian) Server at shop.example.com Port 80</address>"
)


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (404, {"via": "1.1 google"}, "default backend - 404", Answer.DEFAULT_BACKEND),
        (
            404,
            {},
            "response 404 (backend NotFound), service rules for the path non-existent",
            Answer.DEFAULT_BACKEND,
        ),
        (502, {}, GFE_502, Answer.LB_ERROR),
        (503, {}, GFE_502.replace("502", "503"), Answer.LB_ERROR),
        (404, {}, GFE_404, Answer.LB_NOT_FOUND),
        (404, {"via": "1.1 google"}, APACHE_404, Answer.BACKEND),
        (502, {"via": "1.1 google"}, "upstream connect error", Answer.BACKEND),
        (301, {"location": "https://shop.example.com/"}, "", Answer.REDIRECT),
        (302, {"location": "/login"}, "", Answer.BACKEND),
        (200, {"via": "1.1 google"}, "hello", Answer.BACKEND),
    ],
    ids=[
        "default-backend",
        "default-backend-with-metrics",
        "gfe-502",
        "gfe-503",
        "gfe-404-no-load-balancer",
        "app-404-apache",
        "app-502-not-google-page",
        "https-redirect",
        "app-redirect",
        "app-200",
    ],
)
def test_each_answer_is_told_apart_by_its_signature(
    status: int, headers: dict[str, str], body: str, expected: Answer
) -> None:
    """An app's own 404 or 502 is the app's; only the exact LB and default-backend pages are theirs."""
    assert classify(status, headers, body, host="shop.example.com") is expected


def test_via_google_is_read_among_other_hops() -> None:
    """`Via: 1.1 google` marks a Google load balancer hop, alone or in a list."""
    assert is_via_google({"via": "1.1 google"})
    assert is_via_google({"via": "1.0 corp-proxy, 1.1 google"})
    assert not is_via_google({"via": "1.1 varnish"})
    assert not is_via_google({})


def test_a_default_backend_404_where_an_app_is_predicted_blames_the_served_url_map() -> None:
    """The issue's example: predicted shop/api, observed the default backend's 404."""
    expected = Expectation(Answer.BACKEND, "shop/api", "a rule matches")
    assert disagreement(expected, Answer.BACKEND) is None
    assert disagreement(expected, Answer.DEFAULT_BACKEND) == (
        "the load balancer is not serving the URL map gkeingress read (propagating, or changed "
        "since)"
    )
