"""The clause a headline quotes from a finding's message."""

from __future__ import annotations

import pytest

from gkeingress.model.explain import clause


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "NEG k8s1-1a2b3c4d-shop-web-80-5e6f7a8b has no endpoints. The pods are not ready.",
            "NEG k8s1-1a2b3c4d-shop-web-80-5e6f7a8b has no endpoints",
        ),
        (
            "Service shop/web is missing; the backend cannot serve. Create it.",
            "Service shop/web is missing; the backend cannot serve",
        ),
        (
            "Health check k8s1-web (port 8080. path /healthz; HTTP) fails. Fix the probe.",
            "Health check k8s1-web (port 8080. path /healthz; HTTP) fails",
        ),
        (
            "Too short. So this runs on to the next break. Then stops.",
            "Too short. So this runs on to the next break",
        ),
        (
            "Version 1.2.3 of the map is out of date with ingress-gce v1.20.",
            "Version 1.2.3 of the map is out of date with ingress-gce v1.20",
        ),
    ],
    ids=["sentence", "semicolon", "inside-brackets", "too-short", "no-break"],
)
def test_a_clause_ends_at_the_first_break_after_forty_characters_outside_brackets(
    message: str, expected: str
) -> None:
    """The first `. ` or `; ` past 40 characters and outside brackets ends the clause."""
    assert clause(message) == expected


def test_a_long_clause_is_cut_at_a_word() -> None:
    """A clause over 200 characters is cut at the last space before 200 and marked with an ellipsis."""
    message = "word " * 60 + "end. Next."
    cut = clause(message)
    assert cut.endswith(" …")
    assert len(cut) <= 202
    assert cut[:-2] == ("word " * 40).rstrip()
