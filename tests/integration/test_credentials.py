"""Credentials are the caller's choice: given, or Application Default Credentials; never guessed."""

from pathlib import Path

import pytest
from google.auth.credentials import AnonymousCredentials

from gkeingress import AuditError, audit
from gkeingress.cli import main
from gkeingress.testing import DEMO_NOW, FakeCredentials, FakeGKE, demo_world


@pytest.fixture(name="no_adc")
def _no_application_default_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without Application Default Credentials (and no metadata server is asked)."""
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "no-adc.json"))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "no-gcloud"))


def _authorizations(server: FakeGKE) -> set[str]:
    """The Authorization headers of the Compute requests the fake answered."""
    return {
        r.headers.get("authorization", "")
        for r in server.requests
        if r.path.startswith("/compute/")
    }


def test_a_local_compute_endpoint_still_gets_the_callers_token() -> None:
    """A Compute proxy on this machine receives the bearer token of the credentials given."""
    credentials = FakeCredentials()
    with FakeGKE(demo_world()) as server, server.kube_client() as client:
        audit(
            "demo-project",
            kube_client=client,
            credentials=credentials,
            compute_endpoint=server.url,
            now=DEMO_NOW,
            evidence=False,
        )
        sent = _authorizations(server)
    assert sent
    assert sent <= {f"Bearer {token}" for token in credentials.issued}


@pytest.mark.usefixtures("no_adc")
@pytest.mark.parametrize("host", ["http://127.0.0.1:9", "https://127.example.com"])
def test_no_credentials_given_means_application_default_credentials(host: str) -> None:
    """Without credentials=, a loopback-looking endpoint is no reason to send none: ADC is needed."""
    with FakeGKE(demo_world()) as server, server.kube_client() as client:
        with pytest.raises(AuditError, match="no Google credentials"):
            audit("demo-project", kube_client=client, compute_endpoint=host, now=DEMO_NOW)
        assert server.requests == []


def test_anonymous_credentials_are_chosen_explicitly() -> None:
    """A test world passes AnonymousCredentials itself: no Authorization header at all."""
    with FakeGKE(demo_world()) as server, server.kube_client() as client:
        report = audit(
            "demo-project",
            kube_client=client,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.url,
            now=DEMO_NOW,
            evidence=False,
        )
        sent = _authorizations(server)
    assert report.errors == []
    assert sent == {""}


@pytest.mark.usefixtures("no_adc")
def test_the_command_line_asks_for_no_credentials_only_when_told(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--compute-endpoint alone needs ADC (exit 2 without); --no-credentials sends none."""
    with FakeGKE(demo_world()) as server:
        kubeconfig = tmp_path / "config"
        kubeconfig.write_text(
            "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
            f"clusters: [{{name: fake, cluster: {{server: '{server.url}'}}}}]\n"
            "users: [{name: fake, user: {token: t}}]\n"
            "contexts: [{name: fake, context: {cluster: fake, user: fake}}]\n"
        )
        args = ["audit", "--project", "demo-project", "--kubeconfig", str(kubeconfig)]
        args += ["--compute-endpoint", server.url, "--no-evidence", "--quiet", "--format", "json"]
        assert main(args) == 2
        assert "no Google credentials" in capsys.readouterr().err
        assert server.requests == []
        assert main([*args, "--no-credentials", "--fail-on", "never"]) == 0
        assert _authorizations(server) == {""}
