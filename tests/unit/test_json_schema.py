"""The JSON report validates against the schema shipped in the package, which describes it exactly."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator, ValidationError

from gkeingress.report import SCHEMA_VERSION
from gkeingress.schemas import report_schema
from gkeingress.snapshot import DataKind
from tests.unit.reports import INGRESSES_FORBIDDEN, PODS_FORBIDDEN, demo_report


@pytest.fixture(name="validator", scope="module")
def _validator() -> Draft202012Validator:
    schema = report_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize(
    "errors", [(), (PODS_FORBIDDEN,), (INGRESSES_FORBIDDEN,)], ids=["clean", "pods", "ingresses"]
)
def test_demo_report_validates(validator: Draft202012Validator, errors: tuple[Any, ...]) -> None:
    """The demo's report validates, also when API calls failed."""
    report = demo_report(*errors).to_dict()
    assert len(report["errors"]) == len(errors)
    validator.validate(report)


def test_schema_rejects_what_the_report_never_holds(validator: Draft202012Validator) -> None:
    """An unknown key, a wrong schema version or a bad severity do not validate."""
    good = demo_report().to_dict()
    for bad in (
        {**good, "surprise": 1},
        {**good, "schema_version": SCHEMA_VERSION + 1},
        {**good, "findings": [{**good["findings"][0], "severity": "fatal"}]},
        {**good, "ingresses": [{**good["ingresses"][0], "url_map": {"name": "x"}}]},
    ):
        with pytest.raises(ValidationError):
            validator.validate(bad)


def test_cluster_is_optional_string_or_null(validator: Draft202012Validator) -> None:
    """A report may name its cluster (or say it is unknown) and still validate."""
    good = demo_report().to_dict()
    validator.validate({**good, "cluster": "gke_demo-project_us-central1_prod"})
    validator.validate({**good, "cluster": None})


def test_schema_matches_the_code() -> None:
    """The schema's version and error kinds are the ones the code writes."""
    schema = report_schema()
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    kinds = schema["$defs"]["error"]["properties"]["kind"]["enum"]
    assert kinds == [kind.value for kind in DataKind]


def test_traffic_carries_the_series_and_the_onset(validator: Draft202012Validator) -> None:
    """payments/payments in JSON: 360 minutes from 04:00, its 502s from 09:33, and that onset."""
    report = demo_report().to_dict()
    [payments] = [i for i in report["ingresses"] if i["name"] == "payments/payments"]
    traffic = payments["traffic"]
    assert traffic["onset"] == "2026-11-20T09:33:00+00:00"
    assert traffic["codes"] == {"502": 27 * 80}
    assert traffic["minutes"]["start"] == "2026-11-20T04:00:00+00:00"
    assert traffic["minutes"]["5xx"] == [0] * 333 + [80] * 27
    assert traffic["minutes"]["requests"] == [80] * 360
    [shop] = [i for i in report["ingresses"] if i["name"] == "shop/web"]
    assert shop["traffic"] is None  # no request for its URL map in the demo's metrics
    bad = {**traffic, "minutes": {**traffic["minutes"], "5xx": [-1]}}
    with pytest.raises(ValidationError):
        validator.validate({**report, "ingresses": [{**payments, "traffic": bad}]})
