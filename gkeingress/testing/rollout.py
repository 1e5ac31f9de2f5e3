"""Simulated time for ``wait``: sleeping advances a clock, and the world changes as time passes.

:class:`Rollout` hands ``gkeingress.wait`` its ``clock`` and ``sleep``; no real time passes. At
each stage's time the served :class:`World` becomes that stage's world, in place, so a
:class:`~gkeingress.testing.FakeGKE` and a :class:`~gkeingress.testing.FakeLoadBalancer` serving
it answer with the new state from then on. :func:`demo_rollout` is the demo's: its propagating
Ingress ``newsletter/newsletter`` gets its address after 90 s and serves after 5 minutes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from gkeingress.testing.builder import WorldBuilder
from gkeingress.testing.incidents_live import newsletter_addressed, newsletter_serving
from gkeingress.testing.scenarios import HEALTHY, INCIDENTS, just_created
from gkeingress.testing.world import World

Stage = tuple[float, Callable[[], World]]
"""Seconds after the start, and what builds the world from then on (built when reached)."""


class Rollout:
    """A fake clock that changes ``world`` at each stage's time.

    Args:
        world: the world the fakes serve; changed in place.
        stages: ``(seconds, build)`` pairs, in time order.
    """

    def __init__(self, world: World, stages: Sequence[Stage]) -> None:
        self.world = world
        self.now = 0.0
        self.slept: list[float] = []
        self._pending = sorted(stages, key=lambda stage: stage[0])
        self._lock = threading.Lock()

    def clock(self) -> float:
        """Seconds since the start, as ``time.monotonic`` would count them."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` pass: apply every stage that is due by then."""
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds
            while self._pending and self._pending[0][0] <= self.now:
                _, build = self._pending.pop(0)
                become(self.world, build())


def become(world: World, other: World) -> None:
    """Make ``world`` hold what ``other`` holds, in place."""
    world.kube = other.kube
    world.compute = other.compute
    world.backend_health = other.backend_health
    world.network_endpoints = other.network_endpoints
    world.clusters = other.clusters


def demo_with(variant: Callable[[WorldBuilder], None]) -> World:
    """The demo world with ``variant`` in place of the propagating ``newsletter`` incident."""
    builder = WorldBuilder()
    for scenario in (*HEALTHY, *(incident.scenario for incident in INCIDENTS)):
        (variant if scenario is just_created else scenario)(builder)
    return builder.world


def demo_rollout(world: World) -> Rollout:
    """The demo's rollout: ``newsletter/newsletter`` has an address at 90 s and serves at 5 minutes."""
    return Rollout(
        world,
        [
            (90.0, lambda: demo_with(newsletter_addressed)),
            (300.0, lambda: demo_with(newsletter_serving)),
        ],
    )
