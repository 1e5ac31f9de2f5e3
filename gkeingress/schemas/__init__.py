"""JSON Schemas shipped with the package, for validating gkeingress's machine-readable output."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :meth:`gkeingress.Report.to_dict` and ``--format json``."""
    text = (resources.files(__name__) / "report.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
