"""Job statuses answered from kept JSON text (api.statuses): the same bytes as rendering them
afresh, after every kind of change of a job."""

from __future__ import annotations

from batchcompute.local.api import ApiResponse
from batchcompute.local.model.jsontext import JsonText, compact, page_text


def test_a_page_of_written_items_is_the_text_of_the_whole_page():
    items = [{"Id": "job-1", "Name": 'né "x"'}, {"Id": "job-2", "Metrics": {"A": 1.5}}]
    for marker in ("", "42"):
        whole = {"Items": items, "NextMarker": marker}
        assert page_text([compact(item) for item in items], marker) == compact(whole)
    assert page_text([], "") == compact({"Items": [], "NextMarker": ""})


def test_an_answer_is_sent_as_compact_json_whether_written_already_or_not():
    body = {"Id": "job-1", "Name": "né"}
    assert ApiResponse(200, body).payload() == ApiResponse(200, JsonText(compact(body))).payload()
    assert ApiResponse(200, body).payload() == b'{"Id":"job-1","Name":"n\\u00e9"}'
    assert ApiResponse(204).payload() == b""
