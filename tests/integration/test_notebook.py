"""docs/investigate.ipynb runs from top to bottom against the demo world, showing its pictures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from tests.unit.reports import demo_report

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "docs" / "investigate.ipynb"


@pytest.fixture(name="executed", scope="module")
def _executed() -> Any:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # Kernel "python3" is ipykernel of this interpreter: jupyter_client starts it with sys.executable.
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()
    return notebook


def _html(cell: Any) -> str:
    return "".join(str(o.get("data", {}).get("text/html", "")) for o in cell.outputs if "data" in o)


def test_the_notebook_is_committed_without_outputs() -> None:
    """The file in the repository holds code only, so it stays small and its diffs readable."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code
    assert all(c.outputs == [] and c.execution_count is None for c in code)


def test_every_cell_runs_without_error(executed: Any) -> None:
    """No cell of the notebook raises."""
    errors = [
        (c.source, o.get("ename"), o.get("evalue"))
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert errors == []


def test_the_report_cell_shows_the_request_path_pictures(executed: Any) -> None:
    """The cell that shows the report renders HTML with a request-path picture per Ingress."""
    [cell] = [c for c in executed.cells if c.cell_type == "code" and c.source.strip() == "report"]
    html = _html(cell)
    assert html.count('<figure class="request-path"') == len(demo_report().ingresses)
    assert 'data-hop="url-map"' in html
    assert 'class="hop broken' in html


def test_the_route_cell_shows_the_404(executed: Any) -> None:
    """The route cell draws the hops of a URL that reaches GKE's default backend, not its pods."""
    [cell] = [c for c in executed.cells if "report.route(" in c.source]
    html = _html(cell)
    assert 'data-ok="false"' in html
    assert "default-http-backend" in html
