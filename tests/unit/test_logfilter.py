"""The fake Cloud Logging reads filters as the real query language does, in the subset we send."""

import pytest

from gkeingress.testing.logfilter import FilterError, compile_filter

ENTRY = {
    "timestamp": "2026-11-20T09:30:00.123456789Z",
    "logName": "projects/p/logs/requests",
    "resource": {"type": "http_load_balancer", "labels": {"url_map_name": "um-a"}},
    "httpRequest": {"status": 502},
    "jsonPayload": {"statusDetails": "failed_to_pick_backend"},
    "protoPayload": {"methodName": "v1.compute.healthChecks.patch"},
}


def test_or_binds_tighter_than_and_as_the_logging_language_says() -> None:
    """``a AND b OR c`` is ``a AND (b OR c)``: NOT, then OR, then AND."""
    assert not compile_filter('httpRequest.status=404 AND resource.type="x" OR logName:"requests"')(
        ENTRY
    )
    assert compile_filter('httpRequest.status=502 AND resource.type="x" OR logName:"requests"')(
        ENTRY
    )


def test_numbers_compare_as_numbers_and_timestamps_as_times() -> None:
    """``status>=400`` is numeric; timestamps with nanoseconds compare against RFC 3339 bounds."""
    assert compile_filter("httpRequest.status>=400")(ENTRY)
    assert not compile_filter("httpRequest.status>=1000")(ENTRY)
    window = 'timestamp>="2026-11-20T09:00:00Z" AND timestamp<="2026-11-20T09:30:00Z"'
    assert not compile_filter(window)(ENTRY)  # 123 ms after the end
    assert compile_filter(window.replace("09:30:00Z", "09:30:01Z"))(ENTRY)


def test_has_is_a_case_insensitive_substring_and_absent_fields_match_nothing() -> None:
    """``:`` finds ``healthchecks`` in the method; a missing field fails ``=`` and ``!=`` alike."""
    assert compile_filter('protoPayload.methodName:"HEALTHCHECKS."')(ENTRY)
    assert not compile_filter('jsonPayload.proxyStatus="x"')(ENTRY)
    assert not compile_filter('jsonPayload.proxyStatus!="x"')(ENTRY)
    assert compile_filter('NOT jsonPayload.proxyStatus="x"')(ENTRY)


@pytest.mark.parametrize(
    "text",
    ['resource.type=("a" OR "b")', "httpRequest.status>=", "(httpRequest.status=1", "a b c"],
)
def test_filters_outside_the_subset_are_refused(text: str) -> None:
    """Syntax the fake does not implement is an error, never a silent match."""
    with pytest.raises(FilterError):
        compile_filter(text)(ENTRY)
