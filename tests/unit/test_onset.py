"""When the errors began: the onset rule on step, ramp, flapping, ended and always-failing series."""

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from gkeingress.model.traffic import (
    ErrorClass,
    Minute,
    latest_episode,
    observed_summary,
    traffic_of,
)
from gkeingress.resources.monitoring import RequestCounts, TimeWindow

START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def at(minute: int) -> datetime:
    return START + timedelta(minutes=minute)


def minutes(server_errors: Sequence[int], requests: int = 100) -> list[Minute]:
    """One minute per entry, ``requests`` each, that many of them 5xx."""
    return [Minute(at(i), requests, 0, e) for i, e in enumerate(server_errors)]


def test_step_onset_is_the_first_failing_minute() -> None:
    """Quiet for 20 minutes, then 40% 502s: the onset is minute 20 and the episode is ongoing."""
    episode = latest_episode(minutes([0] * 20 + [40] * 10), ErrorClass.SERVER)
    assert episode is not None
    assert episode.onset == at(20)
    assert episode.ongoing
    assert (episode.requests, episode.errors) == (1000, 400)


def test_ramp_onset_is_where_it_crosses_five_percent() -> None:
    """1, 2, 4, 8, 16% errors: the first minute at 5% or more (8%) is the onset."""
    episode = latest_episode(minutes([0] * 10 + [1, 2, 4, 8, 16, 32]), ErrorClass.SERVER)
    assert episode is not None
    assert episode.onset == at(13)


def test_flapping_is_one_episode_from_its_first_failure() -> None:
    """Failing, quiet for 3, failing, quiet for 9, failing: gaps under 10 minutes join one episode."""
    series = [0] * 30 + [50, 50] + [0] * 3 + [50] + [0] * 9 + [50, 50]
    episode = latest_episode(minutes(series), ErrorClass.SERVER)
    assert episode is not None
    assert episode.onset == at(30)
    assert episode.last == at(46)


def test_ten_quiet_minutes_end_an_episode() -> None:
    """An old burst, ten quiet minutes, then the current one: only the current burst counts."""
    series = [0] * 10 + [50] * 5 + [0] * 10 + [50] * 3
    episode = latest_episode(minutes(series), ErrorClass.SERVER)
    assert episode is not None
    assert episode.onset == at(25)


def test_an_ended_episode_says_so() -> None:
    """Errors from minute 10 to 14, then twelve quiet minutes: the episode is over."""
    episode = latest_episode(minutes([0] * 10 + [50] * 5 + [0] * 12), ErrorClass.SERVER)
    assert episode is not None
    assert (episode.onset, episode.last, episode.ongoing) == (at(10), at(14), False)


def test_always_failing_has_no_onset() -> None:
    """Failing from the first minute of the window: no quiet baseline, so the onset is unknown."""
    episode = latest_episode(minutes([30] * 60), ErrorClass.SERVER)
    assert episode is not None
    assert episode.onset is None
    assert episode.first == at(0)
    assert episode.ongoing


def test_a_short_baseline_is_not_enough() -> None:
    """Three quiet minutes before the errors are too few to say they began there."""
    episode = latest_episode(minutes([0, 0, 0] + [30] * 20), ErrorClass.SERVER)
    assert episode is not None
    assert episode.onset is None


def test_minutes_without_requests_are_neither_quiet_nor_failing() -> None:
    """A night without traffic neither ends the episode nor counts as the quiet before it."""
    series = [Minute(at(i), 100, 0, 0) for i in range(6)]
    series += [Minute(at(6 + i)) for i in range(30)]  # no requests at all
    series += [Minute(at(36 + i), 10, 0, 9) for i in range(5)]
    episode = latest_episode(series, ErrorClass.SERVER)
    assert episode is not None
    assert episode.onset == at(36)


def test_under_five_percent_is_quiet() -> None:
    """4 errors in 100 requests each minute never make an episode."""
    assert latest_episode(minutes([4] * 30), ErrorClass.SERVER) is None


def _series(code: int, points: dict[int, int]) -> RequestCounts:
    return RequestCounts(
        "loadbalancing.googleapis.com/https/request_count",
        "um",
        "bs",
        "/*",
        code,
        tuple((at(m), n) for m, n in sorted(points.items())),
    )


def test_traffic_adds_the_codes_per_minute_and_summarises_the_episode() -> None:
    """200s all hour, 502s and 503s from 09:42: the line a user reads names both and the onset."""
    window = TimeWindow(START, at(60))
    traffic = traffic_of(
        [
            _series(200, dict.fromkeys(range(60), 59)),
            _series(502, dict.fromkeys(range(42, 60), 30)),
            _series(503, dict.fromkeys(range(42, 60), 11)),
            _series(404, {5: 1}),
        ],
        window,
    )
    assert traffic.requests == 60 * 59 + 18 * 41 + 1
    assert traffic.codes == {502: 540, 503: 198, 404: 1}
    assert traffic.onset == at(42)
    assert traffic.minutes[42].server_errors == 41
    assert observed_summary(traffic) == "502s and 503s since 09:42 UTC, 41% of requests"
