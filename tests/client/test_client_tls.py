"""HTTPS options: ``security_conn=True`` and ``verify`` (True, False, a CA bundle path, or the
bundle named by REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE or SSL_CERT_FILE).

The settings are checked where the transport resolves them, then end to end against a TLS endpoint
with a self-signed certificate made by the ``openssl`` command (skipped when it is missing).
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from typing import Any, Iterator

import fixture_server as fx
import pytest
import requests
from client_helpers import HOST, KEY_ID, SECRET, ScriptedEndpoint

from batchcompute import Client, ConfigError
from batchcompute.core.regions import http_port
from batchcompute.core.transport import NetworkError, Retry, Transport, resolve_verify

CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")


@pytest.fixture(autouse=True)
def no_ca_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CA_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def bundle(tmp_path: Any) -> str:
    path = tmp_path / "ca.pem"
    path.write_text("not checked before a TLS handshake\n")
    return str(path)


# -- how the options resolve --------------------------------------------------------------------------


def test_security_conn_means_https_on_443():
    client = Client(HOST, KEY_ID, SECRET, security_conn=True)
    assert client.endpoint == "https://%s:443" % HOST
    assert Client(HOST, KEY_ID, SECRET).endpoint == "http://%s:%d" % (HOST, http_port())


@pytest.mark.parametrize("verify", [True, False])
def test_explicit_verify(verify):
    assert Transport(HOST, 443, secure=True, verify=verify).verify is verify


def test_verify_defaults_to_true():
    assert Transport(HOST, 443, secure=True).verify is True
    assert resolve_verify(None, requests.Session()) is True


def test_verify_with_a_bundle_path(bundle):
    assert Transport(HOST, 443, secure=True, verify=bundle).verify == bundle


@pytest.mark.parametrize("name", CA_VARIABLES)
def test_verify_from_the_environment(name, bundle, monkeypatch):
    monkeypatch.setenv(name, bundle)
    assert Transport(HOST, 443, secure=True).verify == bundle
    assert Transport(HOST, 443, secure=True, verify=True).verify == bundle


def test_environment_order(tmp_path, monkeypatch):
    for name in CA_VARIABLES:
        (tmp_path / name).write_text("")
        monkeypatch.setenv(name, str(tmp_path / name))
    assert resolve_verify(None, requests.Session()) == str(tmp_path / "REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    assert resolve_verify(None, requests.Session()) == str(tmp_path / "CURL_CA_BUNDLE")


def test_explicit_setting_wins_over_the_environment(bundle, tmp_path, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", bundle)
    assert resolve_verify(False, requests.Session()) is False
    other = tmp_path / "other.pem"
    other.write_text("")
    assert resolve_verify(str(other), requests.Session()) == str(other)


def test_session_settings(bundle, monkeypatch):
    session = requests.Session()
    session.verify = bundle
    assert resolve_verify(None, session) == bundle
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/elsewhere/ca.pem")
    untrusting = requests.Session()
    untrusting.trust_env = False
    assert resolve_verify(None, untrusting) is True


def test_missing_bundle_is_a_config_error(tmp_path):
    missing = str(tmp_path / "missing.pem")
    with pytest.raises(ConfigError, match="missing.pem"):
        Client(HOST, KEY_ID, SECRET, security_conn=True, verify=missing)


@pytest.mark.parametrize("name", CA_VARIABLES)
def test_missing_bundle_from_the_environment_is_a_config_error(name, tmp_path, monkeypatch):
    monkeypatch.setenv(name, str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigError, match="missing.pem"):
        Client(HOST, KEY_ID, SECRET, security_conn=True)


# -- against a TLS endpoint ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: Any) -> str:
    """A self-signed certificate (and its key, in the same file) for 127.0.0.1."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    path = tmp_path_factory.mktemp("tls") / "server.pem"
    command = [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        str(path),
        "-out",
        str(path.with_suffix(".crt")),
        "-days",
        "2",
        "-subj",
        "/CN=" + HOST,
        "-addext",
        "subjectAltName=IP:" + HOST,
    ]
    done = subprocess.run(command, capture_output=True, timeout=30)
    if done.returncode != 0:
        pytest.skip("openssl could not make a certificate: %s" % done.stderr.decode(errors="replace")[-200:])
    path.write_text(path.read_text() + path.with_suffix(".crt").read_text())
    return str(path)


@pytest.fixture
def tls_endpoint(certificate: str) -> Iterator[ScriptedEndpoint]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate)
    with ScriptedEndpoint(tls=context) as server:
        yield server


def https_client(endpoint: ScriptedEndpoint, **options: Any) -> Client:
    return Client(
        HOST,
        KEY_ID,
        SECRET,
        security_conn=True,
        port=endpoint.port,
        retries=Retry(2, backoff=0.01),
        timeout=(2, 5),
        **options,
    )


def test_https_with_the_ca_bundle(tls_endpoint, certificate):
    with https_client(tls_endpoint, verify=certificate) as client:
        assert client.get_job(fx.JOB_ID).Id == fx.JOB_ID
    assert [request.target for request in tls_endpoint.requests] == ["/jobs/" + fx.JOB_ID]


def test_https_with_the_bundle_from_the_environment(tls_endpoint, certificate, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificate)
    with https_client(tls_endpoint) as client:
        assert client.get_job(fx.JOB_ID).Id == fx.JOB_ID


def test_https_with_a_session_that_trusts_the_bundle(tls_endpoint, certificate):
    session = requests.Session()
    session.verify = certificate
    with https_client(tls_endpoint, session=session) as client:
        assert client.get_job(fx.JOB_ID).Id == fx.JOB_ID


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_https_without_verification(tls_endpoint):
    with https_client(tls_endpoint, verify=False) as client:
        assert client.get_job(fx.JOB_ID).Id == fx.JOB_ID


def test_untrusted_certificate_fails_without_retries(tls_endpoint):
    with https_client(tls_endpoint) as client:
        with pytest.raises(NetworkError) as raised:
            client.get_job(fx.JOB_ID)
    assert raised.value.get_code() == "SSLError"
    assert "CERTIFICATE_VERIFY_FAILED" in raised.value.get_msg()
    assert tls_endpoint.accepts == 1 and tls_endpoint.requests == []
