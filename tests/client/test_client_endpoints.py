"""Endpoints a newcomer gets wrong get an error that says what to do; a local server started for a
test changes nothing for the other clients of the process."""

from __future__ import annotations

import pytest

from batchcompute import CN_HANGZHOU, Client, ConfigError
from batchcompute.core import regions
from batchcompute.local.testing import local_server


def test_a_url_is_refused_at_once_with_the_way_to_say_it():
    with pytest.raises(ConfigError) as caught:
        Client("http://127.0.0.1:8642", "id", "secret")
    message = str(caught.value)
    assert message.startswith("Invalid endpoint http://127.0.0.1:8642") and "register_region" in message


def test_an_unknown_host_fails_at_the_first_call_saying_how_to_register_it():
    client = Client("bc.unknown.example", "id", "secret", retries=0)
    with pytest.raises(ConfigError) as caught:
        client.get_job("job-1")
    message = str(caught.value)
    assert message.startswith("Invalid endpoint bc.unknown.example") and "register_region('local'" in message


def test_a_local_server_leaves_the_other_clients_ports_and_the_region_table_alone():
    table, port = dict(regions.ENDPOINTS), regions.http_port()
    with local_server() as server:
        client = server.client()
        assert client.get_quotas().StatusCode == 200
        assert Client(CN_HANGZHOU, "id", "secret").endpoint == "http://%s:%d" % (CN_HANGZHOU, port)
        assert regions.http_port() == port
    assert regions.ENDPOINTS == table and regions.http_port() == port
    assert "RunningServer('http://127.0.0.1:" in repr(server)
