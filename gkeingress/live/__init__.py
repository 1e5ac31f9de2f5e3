"""Talking to the load balancer itself: the only traffic gkeingress sends beyond read-only API calls.

:func:`~gkeingress.live.probe.probe` sends one request to an Ingress's address and compares the
answer with the route the audit predicts; :func:`~gkeingress.live.wait.wait` polls one Ingress
until its load balancer serves. Neither runs during an audit: only when asked for.
"""
