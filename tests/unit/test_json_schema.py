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
