"""--format json: the report's JSON, one line per finding and per Ingress, fast at any size."""

import json

from gkeingress.render.jsontext import json_text
from tests.unit.reports import demo_report


def test_the_text_is_the_report_and_each_finding_is_one_line() -> None:
    """The demo report reads back identical; every finding and every Ingress sits on its own line."""
    document = demo_report().to_dict()
    text = json_text(document)
    assert json.loads(text) == document
    lines = text.splitlines()
    for finding in document["findings"]:
        assert f"    {json.dumps(finding)}," in lines or f"    {json.dumps(finding)}" in lines
    assert len(lines) == 2 + len(document) + sum(
        len(v) + 1 for v in document.values() if isinstance(v, list) and v
    )
    assert text.endswith("}\n")


def test_empty_lists_and_an_empty_document() -> None:
    """An empty list stays inline; an empty document is ``{}``."""
    assert json.loads(json_text({"errors": [], "summary": {"ingresses": 0}})) == {
        "errors": [],
        "summary": {"ingresses": 0},
    }
    assert json_text({}) == "{}\n"
