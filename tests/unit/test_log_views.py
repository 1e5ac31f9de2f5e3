"""Log entries read as the load balancers write them, the proxy-based ones included."""

from gkeingress.resources.logs import RequestLog, proxy_error


def test_an_internal_load_balancers_proxy_status_gives_the_error_type() -> None:
    """An internal load balancer logs an RFC 9209 proxyStatus: its error type is classified."""
    entry = RequestLog.from_json(
        {
            "timestamp": "2026-11-20T09:30:00.123456789Z",
            "resource": {
                "type": "internal_http_lb_rule",
                "labels": {"url_map_name": "um", "backend_target_name": "bs"},
            },
            "httpRequest": {
                "status": 503,
                "requestUrl": "http://api.internal/x",
                "latency": "0.5s",
            },
            "jsonPayload": {"proxyStatus": 'envoy; error=destination_unavailable; details="x"'},
        }
    )
    assert (entry.details, entry.backend_service, entry.latency) == (
        "destination_unavailable",
        "bs",
        0.5,
    )
    assert entry.at.microsecond == 123456


def test_a_bare_proxy_status_is_its_own_error_type() -> None:
    """Without ``error=``, the first item is the type."""
    assert proxy_error("connection_terminated") == "connection_terminated"
    assert proxy_error('error="http_response_timeout"') == "http_response_timeout"
