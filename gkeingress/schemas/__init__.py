"""JSON Schemas shipped with the package, for validating gkeingress's machine-readable output."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def _load(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (resources.files(__name__) / name).read_text(encoding="utf-8")
    )
    return schema


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :meth:`gkeingress.Report.to_dict` and ``--format json``."""
    return _load("report.schema.json")


def fleet_schema() -> dict[str, Any]:
    """The JSON Schema of :meth:`gkeingress.FleetReport.to_dict` (``--format json`` for a fleet).

    It refers to :func:`report_schema` by its ``$id`` for findings, Ingresses and errors.
    """
    return _load("fleet.schema.json")
