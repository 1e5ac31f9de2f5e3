"""A fake GKE over real HTTP: the Kubernetes, Compute and Container APIs, served from a World.

One :class:`FakeGKE` listens on 127.0.0.1 and answers the requests the official ``kubernetes``,
``google.cloud.compute_v1`` and ``google.cloud.container_v1`` (REST transport) clients send, with
the JSON shapes the real services return: pagination, aggregated lists with their empty-scope
warnings, Google and Kubernetes error bodies. It is read-only: anything that would change the
world gets 405 and is recorded. With ``tls=`` it serves HTTPS with a certificate for 127.0.0.1
signed by a test CA, and with ``authenticate=`` the Kubernetes API answers 401 to requests
without an accepted ``Authorization: Bearer`` token, as a GKE control plane does.

Compute ``filter`` is honoured in its regular-expression form (:mod:`.filters`). Limits: the
AIP-160 form of ``filter`` is answered with 400, Kubernetes ``watch`` is ignored; set-based label
selectors (``in``, ``notin``) and unsupported field selectors are answered with 400.

The parts: :mod:`.protocol` (requests, replies, error bodies), :mod:`.paging`, :mod:`.filters`,
one module per API
(:mod:`.compute`, :mod:`.kube`, :mod:`.container`), :mod:`.routes`, :mod:`.iam`,
:mod:`.loopback` (the listener) and :mod:`.fake` (:class:`FakeGKE`).
"""

from gkeingress.testing.server.fake import FakeGKE
from gkeingress.testing.server.iam import permission
from gkeingress.testing.server.loopback import Loopback
from gkeingress.testing.server.protocol import (
    Fault,
    FaultResponse,
    IncomingRequest,
    RecordedRequest,
    google_error,
    kube_error,
)

__all__ = [
    "FakeGKE",
    "Fault",
    "FaultResponse",
    "IncomingRequest",
    "Loopback",
    "RecordedRequest",
    "google_error",
    "kube_error",
    "permission",
]
