"""What an Ingress's load balancer answered, minute by minute, and when the current errors began.

From the request counts Cloud Monitoring keeps per URL map and response code
(:class:`~gkeingress.resources.monitoring.RequestCounts`), :func:`traffic_of` builds the requests,
4xx and 5xx of every minute of the evidence window, and finds each error class's latest episode
and its **onset**:

- A minute *fails* for a class (4xx or 5xx) when it had requests and at least
  :data:`FAILING_RATIO` (5%) of them got that class of status. A minute with requests below that
  is *quiet*; a minute without requests is neither.
- An *episode* is a run of failing minutes in which fewer than :data:`EPISODE_GAP` (10) quiet
  minutes separate one failing minute from the next: a flapping service is one episode, not many.
  It is *ongoing* when fewer than :data:`EPISODE_GAP` quiet minutes followed its last failing
  minute.
- Its *onset* is its first failing minute, provided at least :data:`BASELINE` (5) quiet minutes
  come before it in the window. Without that quiet baseline the errors began before the window
  could show, and the onset is unknown (None): a service failing all along has no onset.

The Ingress's onset is the earliest onset of its classes' latest episodes.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from gkeingress.resources.monitoring import RequestCounts, TimeWindow

FAILING_RATIO = 0.05
"""The share of a minute's requests that must fail for the minute to count as failing."""
EPISODE_GAP = 10
"""Quiet minutes in a row that end an episode."""
BASELINE = 5
"""Quiet minutes that must come before an onset for it to be the errors' beginning."""
ERROR_RATIO = 0.05
"""The share of failed requests (:func:`observed_ratio`) at which observed errors are severe."""


class ErrorClass(str, enum.Enum):
    """A class of HTTP error status."""

    CLIENT = "4xx"
    SERVER = "5xx"

    def holds(self, code: int) -> bool:
        """True when ``code`` is in this class."""
        return code // 100 == int(self.value[0])


@dataclass(frozen=True, slots=True)
class Minute:
    """One minute of traffic: its first instant, requests, and errors by class."""

    at: datetime
    requests: int = 0
    client_errors: int = 0
    server_errors: int = 0

    def errors(self, error_class: ErrorClass) -> int:
        """Requests answered with a status of ``error_class``."""
        return self.client_errors if error_class is ErrorClass.CLIENT else self.server_errors

    def failing(self, error_class: ErrorClass) -> bool | None:
        """True when failing, False when quiet, None without requests."""
        if not self.requests:
            return None
        return self.errors(error_class) >= FAILING_RATIO * self.requests


@dataclass(frozen=True, slots=True)
class Episode:
    """The latest run of failing minutes of one error class.

    Attributes:
        error_class: 4xx or 5xx.
        onset: its first failing minute, or None when it began before the window could show.
        first: its first failing minute in the window (the onset, when known).
        last: its last failing minute.
        ongoing: True when it had not ended by the end of the window.
        requests: requests from ``first`` to ``last``.
        errors: those answered with a status of ``error_class``.
    """

    error_class: ErrorClass
    onset: datetime | None
    first: datetime
    last: datetime
    ongoing: bool
    requests: int
    errors: int

    @property
    def ratio(self) -> float:
        """The share of the episode's requests that failed."""
        return self.errors / self.requests if self.requests else 0.0


def latest_episode(minutes: Sequence[Minute], error_class: ErrorClass) -> Episode | None:
    """The latest episode of ``error_class`` in ``minutes`` (oldest first), by the module's rule."""
    states = [m.failing(error_class) for m in minutes]
    failing = [i for i, state in enumerate(states) if state]
    if not failing:
        return None
    last = failing[-1]
    first = last
    quiet_run = 0
    for i in range(last - 1, -1, -1):
        if states[i]:
            first, quiet_run = i, 0
        elif states[i] is False:
            quiet_run += 1
            if quiet_run >= EPISODE_GAP:
                break
    baseline = sum(1 for state in states[:first] if state is False)
    quiet_after = sum(1 for state in states[last + 1 :] if state is False)
    span = minutes[first : last + 1]
    return Episode(
        error_class=error_class,
        onset=minutes[first].at if baseline >= BASELINE else None,
        first=minutes[first].at,
        last=minutes[last].at,
        ongoing=quiet_after < EPISODE_GAP,
        requests=sum(m.requests for m in span),
        errors=sum(m.errors(error_class) for m in span),
    )


@dataclass(frozen=True, slots=True)
class Served:
    """Error responses one backend and path rule served with one status code, over the window."""

    backend: str
    path_rule: str
    code: int
    count: int


@dataclass(frozen=True, slots=True)
class Traffic:
    """An Ingress's load balancer traffic over the evidence window.

    Attributes:
        window: the evidence window.
        per_minute: requests, 4xx and 5xx in each minute of the window, oldest first (minutes
            without requests included), as three tuples; :attr:`minutes` gives them as
            :class:`Minute` objects.
        codes: error responses (4xx and 5xx) by status code, over the window.
        served: the error responses by backend, path rule and code, most first.
        episodes: each error class's latest episode, 5xx first.
    """

    window: TimeWindow
    per_minute: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]
    codes: Mapping[int, int]
    served: tuple[Served, ...]
    episodes: tuple[Episode, ...]

    @property
    def minutes(self) -> tuple[Minute, ...]:
        """Every minute of the window, oldest first."""
        return _minutes(self.window.minutes, self.per_minute)

    @property
    def requests(self) -> int:
        """Requests over the window."""
        return sum(self.per_minute[0])

    @property
    def errors(self) -> int:
        """Error responses (4xx and 5xx) over the window."""
        return sum(self.codes.values())

    @property
    def onset(self) -> datetime | None:
        """When the current errors began: the earliest onset of the latest episodes, if known."""
        onsets = [e.onset for e in self.episodes if e.onset is not None]
        return min(onsets) if onsets else None

    @property
    def episode(self) -> Episode | None:
        """The latest episode that matters most: ongoing first, then the earliest onset, 5xx first."""
        if not self.episodes:
            return None
        return min(
            self.episodes,
            key=lambda e: (not e.ongoing, e.onset or e.first, e.error_class is ErrorClass.CLIENT),
        )

    def to_dict(self) -> dict[str, object]:
        """JSON form: totals, codes, the latest episodes, and the per-minute series."""
        return {
            "window": self.window.to_dict(),
            "requests": self.requests,
            "errors": self.errors,
            "onset": self.onset.isoformat() if self.onset else None,
            "codes": {str(code): count for code, count in sorted(self.codes.items())},
            "served": [
                {"backend": s.backend, "path_rule": s.path_rule, "code": s.code, "count": s.count}
                for s in self.served
            ],
            "episodes": [
                {
                    "class": e.error_class.value,
                    "onset": e.onset.isoformat() if e.onset else None,
                    "first": e.first.isoformat(),
                    "last": e.last.isoformat(),
                    "ongoing": e.ongoing,
                    "requests": e.requests,
                    "errors": e.errors,
                }
                for e in self.episodes
            ],
            "minutes": {
                "start": self.window.start.isoformat(),
                "requests": list(self.per_minute[0]),
                "4xx": list(self.per_minute[1]),
                "5xx": list(self.per_minute[2]),
            },
        }


def _minutes(grid: Sequence[datetime], per_minute: Sequence[Sequence[int]]) -> tuple[Minute, ...]:
    """:class:`Minute` objects from the minutes' first instants and their three counts."""
    counts = zip(*per_minute, strict=True)
    return tuple(Minute(at, *c) for at, c in zip(grid, counts, strict=True))


def traffic_of(series: Iterable[RequestCounts], window: TimeWindow) -> Traffic:
    """The traffic of the series of one URL map over ``window``."""
    grid = window.minutes
    index = {at: i for i, at in enumerate(grid)}
    requests = [0] * len(grid)
    by_class = {c: [0] * len(grid) for c in ErrorClass}
    codes: Counter[int] = Counter()
    served: Counter[tuple[str, str, int]] = Counter()
    for one in series:
        error_class = next((c for c in ErrorClass if c.holds(one.response_code)), None)
        for at, count in one.points:
            i = index.get(at)
            if i is None:
                continue
            requests[i] += count
            if error_class is not None:
                by_class[error_class][i] += count
                codes[one.response_code] += count
                served[(one.backend_target, one.path_rule, one.response_code)] += count
    per_minute = (
        tuple(requests),
        tuple(by_class[ErrorClass.CLIENT]),
        tuple(by_class[ErrorClass.SERVER]),
    )
    episodes: list[Episode | None] = []
    if codes:  # most Ingresses answer no error: no minute needs judging
        minutes = _minutes(grid, per_minute)
        episodes = [latest_episode(minutes, c) for c in (ErrorClass.SERVER, ErrorClass.CLIENT)]
    return Traffic(
        window=window,
        per_minute=per_minute,
        codes=dict(codes),
        served=tuple(
            Served(backend, rule, code, count)
            for (backend, rule, code), count in sorted(served.items(), key=lambda kv: -kv[1])
        ),
        episodes=tuple(e for e in episodes if e is not None),
    )


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def top_codes(traffic: Traffic, error_class: ErrorClass | None = None, limit: int = 2) -> list[int]:
    """The most frequent error codes (of ``error_class``, or of both), most first."""
    found = [c for c in traffic.codes if error_class is None or error_class.holds(c)]
    return sorted(found, key=lambda c: (-traffic.codes[c], c))[:limit]


def observed_ratio(traffic: Traffic) -> float:
    """The share of requests that failed: over the latest episode, or over the window without one."""
    episode = traffic.episode
    if episode is not None:
        return episode.ratio
    return traffic.errors / traffic.requests if traffic.requests else 0.0


def observed_summary(traffic: Traffic) -> str:
    """What the load balancer answered, in one line: ``502s since 10:02 UTC, 41% of requests``."""
    episode = traffic.episode
    percent = f"{observed_ratio(traffic):.0%}"
    if episode is None:
        codes = ", ".join(f"{c} ×{traffic.codes[c]}" for c in top_codes(traffic, limit=3))
        span = _duration(len(traffic.per_minute[0]))
        return f"{traffic.errors} errors in the last {span} ({percent} of requests): {codes}"
    codes = " and ".join(f"{c}s" for c in top_codes(traffic, episode.error_class))
    if episode.ongoing and episode.onset is not None:
        return f"{codes} since {episode.onset:%H:%M} UTC, {percent} of requests"
    if episode.ongoing:
        span = _duration(len(traffic.per_minute[0]))
        return (
            f"{codes} all through the last {span} (no onset in the window), {percent} of requests"
        )
    began = f"{episode.onset:%H:%M}" if episode.onset else "before the window"
    ended = episode.last + timedelta(minutes=1)
    return f"{codes} from {began} to {ended:%H:%M} UTC, {percent} of requests then"
