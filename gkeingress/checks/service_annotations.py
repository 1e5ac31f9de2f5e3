"""Service annotations GKE reads: BackendConfig references and settings, app protocols."""

from __future__ import annotations

from collections.abc import Iterator

from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.checks.scope import user_backends, user_services
from gkeingress.findings import Severity
from gkeingress.model.topology import Topology
from gkeingress.resources.k8s import JsonAnnotation
from gkeingress.snapshot import DataKind

APP_PROTOCOL_ANNOTATIONS = (
    "service.alpha.kubernetes.io/app-protocols",
    "cloud.google.com/app-protocols",
)
"""ingress-gce reads the alpha key first."""
APP_PROTOCOLS = ("HTTP", "HTTPS", "HTTP2")


@check(
    "BACKEND_CONFIG_INVALID",
    needs_change=True,
    severity=Severity.ERROR,
    title="The Service's backend-config annotation cannot be read",
    explanation=(
        "`cloud.google.com/backend-config` must be JSON with a `default` BackendConfig name and/or "
        'a `ports` map, e.g. `{"default": "web-bc"}` or `{"ports": {"http": "web-bc"}}`. '
        "ingress-gce fails the Ingress with `BackendConfig annotation is invalid json` or "
        "`no BackendConfig's found in annotation`."
    ),
    fix='Write the annotation as JSON: `{"default": "<name>"}` or `{"ports": {"<port>": "<name>"}}`.',
    evidence=(
        "The Service, the annotation and its value, and what is wrong with it: the JSON error, "
        "or that it names neither `default` nor `ports`. `annotation` is the key and `value` the "
        "raw value."
    ),
    links=("https://cloud.google.com/kubernetes-engine/docs/how-to/ingress-configuration",),
    requires=(DataKind.INGRESSES, DataKind.SERVICES),
)
def backend_config_invalid(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report backend-config annotations that are not JSON or name neither default nor ports."""
    del options
    for paired, backend, service in user_services(topology):
        annotation = service.backend_config_annotation
        if not annotation.present:
            continue
        value = annotation.value
        if annotation.error:
            problem = annotation.error
        elif not isinstance(value, dict) or not ({"default", "ports"} & set(value)):
            problem = "it names neither `default` nor `ports`"
        else:
            continue
        yield Hit(
            ingress=paired.name,
            resource=f"Service {backend.service_key}",
            message=(
                f"Service {backend.service_key} annotation {annotation.key}: {annotation.raw!r} "
                f"is invalid: {problem}."
            ),
            remediation=(
                f"kubectl annotate service -n {backend.namespace} {backend.ref.service} "
                f'{annotation.key}=\'{{"default": "<backendconfig>"}}\' --overwrite'
            ),
            evidence={"annotation": annotation.key, "value": annotation.raw},
        )


@check(
    "BACKEND_CONFIG_NOT_FOUND",
    needs_change=True,
    severity=Severity.ERROR,
    title="The Service names a BackendConfig that does not exist",
    explanation=(
        "A BackendConfig named in the Service's `cloud.google.com/backend-config` annotation must "
        "exist in the Service's namespace; otherwise ingress-gce fails the whole Ingress with "
        '`error getting BackendConfig for port "…" on service "…", err: no BackendConfig for '
        "service port exists.`"
    ),
    fix="Create the BackendConfig in the Service's namespace, or fix the name in the annotation.",
    evidence=(
        "The Service, its port and the BackendConfig (`namespace/name`) it names; "
        "`backend_config` holds the name."
    ),
    links=("https://cloud.google.com/kubernetes-engine/docs/how-to/ingress-configuration",),
    requires=(DataKind.INGRESSES, DataKind.SERVICES, DataKind.BACKEND_CONFIGS),
)
def backend_config_not_found(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report BackendConfig names that resolve to nothing."""
    del options
    for paired, backend in user_backends(topology):
        name = backend.backend_config_name
        if name is None or backend.backend_config is not None:
            continue
        yield Hit(
            ingress=paired.name,
            resource=f"BackendConfig {backend.namespace}/{name}",
            message=(
                f"Service {backend.service_key} port {backend.ref.port} uses BackendConfig "
                f"{backend.namespace}/{name}, which does not exist."
            ),
            remediation=(
                f"Create BackendConfig {name} in namespace {backend.namespace}, or fix the annotation."
            ),
            evidence={"backend_config": name},
        )


@check(
    "HEALTH_CHECK_TIMEOUT_INVALID",
    needs_change=True,
    severity=Severity.ERROR,
    title="BackendConfig health check timeout exceeds its interval",
    explanation=(
        "Compute Engine rejects a health check whose `timeoutSec` is greater than its "
        "`checkIntervalSec`; ingress-gce then fails every sync with `Invalid value for field "
        "'resource.timeoutSec' … TimeoutSec should be less than checkIntervalSec.` and the health "
        "check keeps its old settings."
    ),
    fix="Make `healthCheck.timeoutSec` no greater than `healthCheck.checkIntervalSec`.",
    evidence=(
        "The BackendConfig and both values, `timeoutSec` and `checkIntervalSec`. A value the "
        "BackendConfig leaves out is the health check's current one."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/ingress-configuration",
        "https://cloud.google.com/load-balancing/docs/health-check-concepts",
    ),
    requires=(
        DataKind.INGRESSES,
        DataKind.SERVICES,
        DataKind.BACKEND_CONFIGS,
        DataKind.CLUSTER_IDENTITY,
        DataKind.BACKEND_SERVICES,
        DataKind.HEALTH_CHECKS,
    ),
)
def health_check_timeout_invalid(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report BackendConfigs whose health-check timeout is longer than the interval."""
    del options
    for paired, backend in user_backends(topology):
        config = backend.backend_config
        if config is None:
            continue
        settings = config.health_check
        hc = backend.health_check
        timeout = settings.get("timeoutSec", hc.timeout_sec if hc else None)
        interval = settings.get("checkIntervalSec", hc.check_interval_sec if hc else None)
        if not isinstance(timeout, int) or not isinstance(interval, int) or timeout <= interval:
            continue
        yield Hit(
            ingress=paired.name,
            resource=f"BackendConfig {config.meta.key}",
            message=(
                f"BackendConfig {config.meta.key} sets healthCheck timeoutSec {timeout} > "
                f"checkIntervalSec {interval}; Compute Engine rejects such a health check."
            ),
            remediation=(
                f"Set healthCheck.timeoutSec to at most {interval} in BackendConfig {config.meta.key}."
            ),
            evidence={"timeoutSec": timeout, "checkIntervalSec": interval},
        )


@check(
    "APP_PROTOCOL_INVALID",
    needs_change=True,
    severity=Severity.ERROR,
    other_severities=(Severity.WARNING,),
    title="The Service's app-protocols annotation is invalid",
    explanation=(
        "`cloud.google.com/app-protocols` maps Service port *names* to `HTTP`, `HTTPS` or `HTTP2`; "
        "ingress-gce fails the Ingress with `could not parse … app-protocols annotation` otherwise."
    ),
    fix='Write it as JSON keyed by port name, e.g. `{"https": "HTTPS"}`.',
    evidence=(
        "The Service, the annotation and what is wrong: not JSON, not a JSON object, a protocol "
        "other than HTTP, HTTPS or HTTP2, or a key that names no Service port. `annotation` is "
        "the key and `value` the raw value. An error when the value cannot be read, a warning "
        "for a bad protocol or port name."
    ),
    links=("https://cloud.google.com/kubernetes-engine/docs/how-to/ingress-configuration",),
    requires=(DataKind.INGRESSES, DataKind.SERVICES),
)
def app_protocol_invalid(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report app-protocols annotations that are not a JSON map of port name to protocol."""
    del options
    for paired, backend, service in user_services(topology):
        annotations = service.meta.annotations or {}
        annotation = JsonAnnotation.read(annotations, *APP_PROTOCOL_ANNOTATIONS)
        if not annotation.present:
            continue
        value = annotation.value
        if annotation.error or not isinstance(value, dict):
            problem = annotation.error or "it is not a JSON object"
        else:
            bad = {k: v for k, v in value.items() if v not in APP_PROTOCOLS}
            names = {p.name for p in service.ports}
            unknown = sorted(set(value) - names)
            if bad:
                problem = f"invalid protocol(s) {bad}, must be one of {', '.join(APP_PROTOCOLS)}"
            elif unknown:
                problem = f"no Service port is named {', '.join(unknown)} (keys are port names)"
            else:
                continue
        yield Hit(
            ingress=paired.name,
            resource=f"Service {backend.service_key}",
            message=f"Service {backend.service_key} annotation {annotation.key} is invalid: {problem}.",
            remediation=f'Set {annotation.key} to JSON keyed by port name, e.g. {{"https": "HTTPS"}}.',
            evidence={"annotation": annotation.key, "value": annotation.raw},
            severity=Severity.WARNING if not annotation.error and isinstance(value, dict) else None,
        )
