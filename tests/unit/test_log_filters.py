"""The log queries stay within the query language's 20,000 characters, whatever the audit's size."""

from datetime import datetime, timedelta, timezone

from gkeingress.collect.logs import (
    FILTER_LIMIT,
    LogScope,
    audit_filter,
    health_check_filter,
    request_filter,
)

END = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)


def _scope(count: int) -> LogScope:
    return LogScope(
        "p",
        END - timedelta(hours=6),
        END,
        url_maps=frozenset(
            f"k8s2-um-abcdefgh-team-{i:04d}-app-{i:04d}-x1y2z3w4" for i in range(count)
        ),
        negs=frozenset(str(4_000_000_000_000_000_000 + i) for i in range(count)),
        resources=frozenset(
            f"k8s1-1a2b3c4d-team-{i:04d}-web-{i:04d}-80-abcdef12" for i in range(count)
        ),
    )


def test_small_audits_name_every_resource_in_the_filter() -> None:
    """Ten Ingresses: each URL map, NEG and resource name is in its query."""
    scope = _scope(10)
    assert all(f'url_map_name="{m}"' in request_filter(scope) for m in scope.url_maps)
    assert all(f'network_endpoint_group_id="{n}"' in health_check_filter(scope) for n in scope.negs)
    assert all(f'resourceName:"{r}"' in audit_filter(scope) for r in scope.resources)


def test_large_audits_drop_the_names_and_keep_the_window() -> None:
    """A thousand Ingresses: the names would not fit, so each query reads its kind project-wide."""
    scope = _scope(1000)
    for text in (request_filter(scope), health_check_filter(scope), audit_filter(scope)):
        assert len(text) <= FILTER_LIMIT
        assert 'timestamp<="2026-11-20T10:00:00Z"' in text
        assert "k8s1-1a2b3c4d-team-0001" not in text
        assert "x1y2z3w4" not in text
