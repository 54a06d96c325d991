"""What errors look like: the service's ClientError, and the SDK's own checks before sending."""

from __future__ import annotations

import sys

from _connect import connect

from batchcompute import ClientError, ValidationError
from batchcompute.resources import JobDescription


def main() -> int:
    with connect() as (client, _server):
        try:
            client.get_job("job-00000000000000000000000000000000")
        except ClientError as error:
            print(
                "get_job of an unknown job: HTTP %s, %s: %s (request %s)"
                % (error.get_status_code(), error.get_code(), error.get_msg(), error.get_requestid())
            )
        try:
            client.create_job(JobDescription({"Name": "incomplete"}))
        except ValidationError as error:
            print("create_job of an incomplete description, nothing sent: missing %s" % error)
        try:
            client.change_job_priority("job-00000000000000000000000000000000", "high")
        except TypeError as error:
            print("change_job_priority with a non-int priority: %s" % error)
        return 0


if __name__ == "__main__":
    sys.exit(main())
