"""Proxies from the environment: HTTP_PROXY carries plain HTTP calls (the request line holds the
whole URL, as a proxy expects); NO_PROXY exempts a host."""

from __future__ import annotations

from client_helpers import HOST, OK_JOB, ScriptedEndpoint

JOB = "job-00000000000000000000000000000001"


def test_http_proxy_from_the_environment(monkeypatch, endpoint, make_client):
    with ScriptedEndpoint(default=OK_JOB) as proxy:
        monkeypatch.setenv("HTTP_PROXY", "http://%s:%d" % (HOST, proxy.port))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        client = make_client(endpoint.port)
        assert client.get_job(JOB).State == "Running"
        assert [request.target for request in proxy.requests] == ["http://%s:%d/jobs/%s" % (HOST, endpoint.port, JOB)]
        assert not endpoint.requests


def test_no_proxy_exempts_the_endpoint(monkeypatch, endpoint, make_client):
    with ScriptedEndpoint(default=OK_JOB) as proxy:
        monkeypatch.setenv("HTTP_PROXY", "http://%s:%d" % (HOST, proxy.port))
        monkeypatch.setenv("NO_PROXY", HOST)
        client = make_client(endpoint.port)
        assert client.get_job(JOB).State == "Running"
        assert not proxy.requests and [request.target for request in endpoint.requests] == ["/jobs/" + JOB]
