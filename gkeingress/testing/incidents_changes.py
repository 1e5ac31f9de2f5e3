"""Incidents whose cause is a change shortly before the errors began (``CHANGE_BEFORE_ERRORS``).

Like :mod:`gkeingress.testing.scenarios`, each function adds one Ingress in its own namespace to a
:class:`WorldBuilder`; the errors begin at :data:`ERRORS_SINCE`, to be passed as ``errors_since``.
"""

from __future__ import annotations

from datetime import timedelta

from gkeingress.testing.builder import DEMO_NOW, Path, Rule, WorldBuilder
from gkeingress.testing.traffic import frontend_of, incident_traffic

ERRORS_SINCE = DEMO_NOW - timedelta(minutes=10)
"""When the errors of these incidents began: 09:50 UTC, ten minutes before the demo's "now"."""


def rollout_before_errors(b: WorldBuilder) -> None:
    """``rollout/rollout``: 502s since ``DEMO_NOW - 10 min``; 20 minutes earlier a rollout cut the probe.

    The load balancer's metrics show the 502s: 30% of requests from 09:50.

    Revision 2 of Deployment ``rollout/rollout``, rolled out at ``DEMO_NOW - 30 min``, set the
    readinessProbe to a 1 s timeout and a failure threshold of 1: under load the pods drop out of
    their NEGs and back in, and the load balancer answers 502 in between. Nothing is misconfigured
    between the Ingress and its load balancer; only the change's timing points at the rollout.
    """
    b.service("rollout", "rollout")
    b.ingress("rollout", "rollout", rules=[Rule("rollout.example.com", [Path("/", "rollout")])])
    deployment = b.deployment("rollout", "rollout")
    b.rollout(
        deployment,
        ago=timedelta(minutes=30),
        readiness_probe={"timeoutSeconds": 1, "failureThreshold": 1},
    )
    frontend = frontend_of(b, "rollout", "rollout", "rollout")
    incident_traffic(b, frontend, per_minute=120, errors=36, code=502, since=ERRORS_SINCE)
