"""Answers the client cannot use are ClientErrors that say what came back, never a raw exception
from inside the HTTP stack or a result without its id."""

from __future__ import annotations

import pytest
from client_helpers import answer

from batchcompute import ClientError
from batchcompute.core.exceptions import InvalidResponse
from batchcompute.resources import ClusterDescription, GroupDescription

JOB = "job-00000000000000000000000000000001"


def cluster_description() -> ClusterDescription:
    description = ClusterDescription()
    description.Name, description.ImageId = "c", "img-ubuntu"
    group = GroupDescription()
    group.DesiredVMCount = 1
    description.add_group("g", group)
    return description


def test_a_redirect_is_an_invalid_response_naming_where_it_points(endpoint, make_client):
    endpoint.then(answer(302, b"", headers=(("Location", "http://elsewhere.example/jobs"),)))
    with pytest.raises(InvalidResponse) as caught:
        make_client(endpoint.port).get_job(JOB)
    assert caught.value.status == 302 and caught.value.code == "UnexpectedRedirect"
    assert "http://elsewhere.example/jobs" in caught.value.msg


def test_a_success_whose_body_is_not_json_is_an_invalid_response(endpoint, make_client):
    endpoint.then(answer(200, b"<html>hello from a proxy</html>"))
    with pytest.raises(InvalidResponse) as caught:
        make_client(endpoint.port).get_job(JOB)
    assert caught.value.code == "InvalidResponseBody" and "hello from a proxy" in caught.value.msg
    assert isinstance(caught.value, ClientError)


def test_a_create_answer_that_is_not_json_keeps_what_came_back_in_the_error(endpoint, make_client):
    endpoint.then(answer(201, b"Id=cls-made-anyway"))
    with pytest.raises(InvalidResponse) as caught:
        make_client(endpoint.port).create_cluster(cluster_description())
    assert "cls-made-anyway" in caught.value.msg


@pytest.mark.parametrize("reply", [answer(204, b""), answer(201, {}), answer(201, {"Id": ""})])
def test_a_create_answer_without_an_id_is_an_invalid_response(reply, endpoint, make_client):
    endpoint.then(reply)
    with pytest.raises(InvalidResponse) as caught:
        make_client(endpoint.port).create_cluster(cluster_description())
    assert caught.value.code == "MissingId"


def test_ids_are_sent_as_one_path_segment(endpoint, make_client):
    endpoint.then(answer(404, {"Code": "InvalidResource.NotFound", "Message": "no"}))
    with pytest.raises(ClientError):
        make_client(endpoint.port).get_job("job-x?State=Running/../clusters")
    assert endpoint.requests[0].target == "/jobs/job-x%3FState%3DRunning%2F..%2Fclusters"
