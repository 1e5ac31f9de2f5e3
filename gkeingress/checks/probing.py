"""What a real request showed: only ``gkeingress probe`` (and ``wait --url``) emit these codes.

An audit never sends traffic, so no check function runs here; the code is registered so that its
findings are documented, listed and rendered like every other.
"""

from __future__ import annotations

from gkeingress.checks.registry import Check
from gkeingress.findings import Severity

PROBE_DISAGREES = Check(
    code="PROBE_DISAGREES",
    severity=Severity.WARNING,
    title="A real request was answered differently than the route predicts",
    explanation=(
        "`gkeingress probe` sent one request to the Ingress's forwarding-rule address (the URL's "
        "host as Host header and TLS server name) and something other than the predicted answer "
        "came back: GKE's default backend (`default backend - 404`) where a rule should match, the "
        "load balancer's own 502 page (`Error: Server Error`) where getHealth reported healthy "
        "endpoints, Google's 404 page (no load balancer at that address), a refused connection or "
        "a certificate for another name. The load balancer is not serving what gkeingress read: "
        "a change is still propagating (URL map changes can take more than ten minutes), or the "
        "resources changed after they were read."
    ),
    evidence=(
        "The URL, the address and port it was sent to, the prediction (who should answer and "
        "why: the rule, the backend service and its healthy endpoints) and what answered (status, "
        "`Via: 1.1 google`, the signature recognised, the start of the body). `url`, `address`, "
        "`expected` and `observed` hold them."
    ),
    fix=(
        "Wait a few minutes and probe again (`gkeingress wait --url URL` does both); if the "
        "answer still differs, audit again: the resources the route names have changed, or the "
        "host's traffic reaches another load balancer."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/load-balancing",
        "https://cloud.google.com/kubernetes-engine/docs/concepts/ingress-xlb",
    ),
    requires=frozenset(),
)
