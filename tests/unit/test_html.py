"""The HTML views: every finding shown, broken hops marked, cluster data escaped, nothing fetched."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

from gkeingress import Report
from gkeingress.render.html import report_document, report_html
from gkeingress.testing import WorldBuilder
from gkeingress.testing.scenarios import healthy_shop
from tests.unit.conftest import Judge
from tests.unit.reports import demo_report

HOSTILE = '<script>alert("pwned")</script>'


@dataclass
class Element:
    """One start tag, and the Ingress section it is in."""

    tag: str
    attrs: dict[str, str]
    ingress: str | None

    @property
    def classes(self) -> set[str]:
        """The element's CSS classes."""
        return set(self.attrs.get("class", "").split())

    @property
    def codes(self) -> set[str]:
        """The finding codes in ``data-finding-code``."""
        return set(self.attrs.get("data-finding-code", "").split())


class Page(HTMLParser):
    """Every start tag of a page, each with the ``data-ingress`` of its enclosing section."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self.section: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record the tag; entering a section sets the current Ingress."""
        values = {k: v or "" for k, v in attrs}
        if tag == "section":
            self.section = values.get("data-ingress")
        self.elements.append(Element(tag, values, self.section))

    def find(self, ingress: str | None = None, **attrs: str) -> list[Element]:
        """Elements in ``ingress``'s section whose attributes (``data_hop`` = ``data-hop``) match."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [
            e
            for e in self.elements
            if (ingress is None or e.ingress == ingress)
            and all(e.attrs.get(k) == v for k, v in wanted.items())
        ]


def _parse(text: str | None) -> Page:
    assert text is not None
    page = Page()
    page.feed(text)
    return page


def test_every_finding_is_listed_once_under_its_ingress() -> None:
    """Each finding of the demo is one list item, in its Ingress's section, with its message."""
    report = demo_report()
    text = report_html(report)
    page = _parse(text)
    items = [e for e in page.elements if e.tag == "li" and "finding" in e.classes]
    assert len(items) == len(report.findings)
    for paired in report.ingresses:
        shown = [
            (e.attrs["data-finding-code"], e.attrs["data-severity"])
            for e in items
            if e.ingress == paired.name
        ]
        assert sorted(shown) == sorted(
            (f.code, f.severity.value) for f in report.findings_for(paired.name)
        )
    for finding in report.findings:
        assert f">{escape(finding.message)}<" in text


def test_root_cause_comes_first_with_its_consequences_folded_beneath() -> None:
    """billing/billing lists the target port first; both empty NEGs are folded under it."""
    page = _parse(report_html(demo_report()))
    billing = [e for e in page.find("billing/billing") if e.tag == "li"]
    assert [e.attrs["data-finding-code"] for e in billing][:3] == [
        "TARGET_PORT_NOT_EXPOSED",
        "NEG_EMPTY",
        "NEG_EMPTY",
    ]
    verdict = page.find("billing/billing", **{"data-state": "failing"})
    assert [e.tag for e in verdict] == ["p"]


def test_every_finding_marks_a_hop_of_its_ingress_picture() -> None:
    """No finding is only in the list: each marks a hop of its Ingress's picture (else the Ingress)."""
    report = demo_report()
    page = _parse(report_html(report))
    for finding in report.findings:
        hops = [
            e for e in page.find(finding.ingress) if "hop" in e.classes and finding.code in e.codes
        ]
        assert hops, (finding.ingress, finding.code)


def test_broken_hops_are_marked_where_the_fault_is() -> None:
    """The demo's faults colour the hop they are about: a health check, a NEG, a target proxy."""
    page = _parse(report_html(demo_report()))
    [check] = page.find(
        "checkout/checkout", data_hop="health-check", data_finding_code="HEALTH_CHECK_PATH_MISMATCH"
    )
    assert {"broken", "flagged", "sev-error"} <= check.classes
    [neg] = page.find("media/media", data_hop="neg", data_state="missing")
    assert neg.codes == {"NEG_MISSING"}
    [proxy] = page.find("promo/promo", data_hop="target-proxy")
    assert proxy.attrs["data-state"] == "missing"
    assert proxy.codes == {"LB_RESOURCE_MISSING"}
    empty = [
        e for e in page.find("search/search", data_hop="neg") if "search" in e.attrs["data-name"]
    ]
    assert [(e.attrs["data-state"], e.codes) for e in empty] == [("broken", {"NEG_EMPTY"})] * 2


def test_a_healthy_ingress_shows_every_hop_working() -> None:
    """shop/web's picture has every column, and no hop is broken or missing."""
    page = _parse(report_html(demo_report()))
    hops = [e for e in page.find("shop/web") if "hop" in e.classes]
    columns = {e.attrs["data-hop"] for e in hops}
    assert columns == {
        "ingress",
        "forwarding-rule",
        "target-proxy",
        "url-map",
        "backend-service",
        "health-check",
        "neg",
        "pods",
    }
    assert {e.attrs["data-state"] for e in hops} == {"ok"}
    assert [e.tag for e in page.find("shop/web") if "request-path" in e.classes] == ["figure"]


def test_the_url_map_box_lists_its_host_and_path_rules() -> None:
    """The URL map hop shows each host, its paths and the Service they reach."""
    text = report_html(demo_report())
    section = text[text.index('id="gki-shop/web"') :]
    section = section[: section.index("</section>")]
    table = section[section.index('<table class="rules">') : section.index("</table>")]
    words = " ".join(re.sub(r"<[^>]+>", " ", table).split())
    assert words == (
        "shop.example.com /api → shop/api:8080 /api/* → shop/api:8080 /* → shop/web:80 "
        "other paths → default backend (404) other hosts * → default backend (404)"
    )


def test_cluster_data_is_escaped(builder: WorldBuilder, judge: Judge) -> None:
    """A hostile annotation value shows as text, never as markup."""
    healthy_shop(builder)
    ingress = builder.kube_object("ingresses", "shop", "web")
    ingress["metadata"]["annotations"]["ingress.kubernetes.io/target-proxy"] = HOSTILE
    report = judge(builder)
    text = report_document(report)
    assert "<script" not in text
    assert escape(HOSTILE) in text
    [finding] = [f for f in report.findings if f.code == "CONTROLLER_ANNOTATION_MALFORMED"]
    assert HOSTILE in finding.message  # shown, escaped, in the finding that names the annotation


def test_the_document_is_self_contained() -> None:
    """The page loads nothing: no script, stylesheet, image or frame, no url() or @import in CSS."""
    text = report_document(demo_report())
    assert text.startswith("<!DOCTYPE html>")
    page = _parse(text)
    assert not [
        e for e in page.elements if e.tag in {"script", "link", "img", "iframe", "object", "embed"}
    ]
    assert not [e for e in page.elements if "src" in e.attrs]
    assert all(e.tag == "a" for e in page.elements if "href" in e.attrs)
    assert "url(" not in text
    assert "@import" not in text


def test_route_view_shows_the_broken_hop() -> None:
    """A URL no host rule names is drawn hop by hop, the URL map hop broken (404)."""
    route = demo_report().route("http://34.117.0.11/")
    page = _parse(route._repr_html_())
    [box] = page.find(data_ok="false")
    assert box.tag == "div"
    hops = [e for e in page.elements if "hop" in e.classes]
    assert [e.attrs["data-hop"] for e in hops][:3] == ["forwarding-rule", "target-proxy", "url-map"]
    assert [e.attrs["data-state"] for e in hops if e.attrs["data-hop"] == "url-map"] == ["broken"]


def test_notebook_views_of_one_ingress_and_one_finding() -> None:
    """An Ingress of a report carries its findings into its own view; a finding renders alone."""
    report: Report = demo_report()
    checkout = report.ingress("checkout/checkout")
    assert [f.code for f in checkout.findings] == [
        f.code for f in report.findings_for("checkout/checkout")
    ]
    page = _parse(checkout._repr_html_())
    assert {e.attrs["data-finding-code"] for e in page.elements if "finding" in e.classes} == {
        "BACKEND_UNHEALTHY",
        "HEALTH_CHECK_PATH_MISMATCH",
        "DEFAULT_BACKEND_404",
    }
    finding = report.findings[0]
    [item] = [e for e in _parse(finding._repr_html_()).elements if e.tag == "li"]
    assert item.attrs["data-finding-code"] == finding.code


def test_ingresses_with_errors_show_a_sparkline_of_them() -> None:
    """payments/payments: an inline SVG of its minutes, the onset marked; healthy shop/web: none."""
    page = _parse(report_html(demo_report()))
    [svg] = page.find("payments/payments", **{"class": "sparkline"})
    assert svg.tag == "svg"
    [onset] = page.find("payments/payments", **{"class": "onset"})
    # 09:33 is minute 333 of the 360 from 04:00: the line stands at 333/359 of the width.
    assert float(onset.attrs["x1"]) == round(333 * 240 / 359, 1)
    [observed] = page.find("payments/payments", **{"class": "observed error"})
    assert observed.tag == "div"
    assert not page.find("shop/web", **{"class": "sparkline"})
    text = report_html(demo_report())
    assert "observed: 502s since 09:33 UTC, 100% of requests" in text
