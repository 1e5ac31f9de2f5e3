"""A small per-minute picture of what a load balancer answered: inline SVG, no script.

Requests per minute are a grey line, 4xx and 5xx together a red area, and the onset of the
current errors a dashed line, over the whole evidence window, oldest minute on the left.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from gkeingress.model.traffic import Traffic, observed_summary

WIDTH, HEIGHT = 240, 32
"""The picture's size in CSS pixels."""


def _points(values: Sequence[int], top: int) -> str:
    step = WIDTH / max(1, len(values) - 1)
    return " ".join(
        f"{i * step:.1f},{HEIGHT - 1 - (v / top) * (HEIGHT - 2):.1f}" for i, v in enumerate(values)
    )


def sparkline(traffic: Traffic) -> str:
    """The SVG of ``traffic``.

    Its ``<title>``, a tooltip and the text a screen reader reads, says what was observed.
    """
    requests, client, server = traffic.per_minute
    errors = [c + s for c, s in zip(client, server, strict=True)]
    top = max([*requests, 1])
    area = f"0,{HEIGHT - 1} {_points(errors, top)} {WIDTH},{HEIGHT - 1}"
    onset = ""
    if traffic.onset is not None and requests:
        index = traffic.window.minutes.index(traffic.onset)
        x = index * WIDTH / max(1, len(requests) - 1)
        onset = (
            f'<line class="onset" x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{HEIGHT}" '
            'stroke="#202124" stroke-dasharray="2,2" stroke-width="1"/>'
        )
    title = escape(
        f"{observed_summary(traffic)}; {traffic.window.start:%H:%M} to "
        f"{traffic.window.end:%H:%M} UTC, per minute"
    )
    return (
        f'<svg class="sparkline" role="img" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{title}</title>"
        f'<polyline class="requests" points="{_points(requests, top)}" fill="none" '
        'stroke="#9aa0a6" stroke-width="1"/>'
        f'<polygon class="errors" points="{area}" fill="#d93025" fill-opacity="0.7"/>'
        f"{onset}</svg>"
    )
