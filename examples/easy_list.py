"""easy_list: every item of a listing, all pages, filtered by value, by list or by predicate."""

from __future__ import annotations

import sys

from _connect import connect, log_path
from quickstart import make_cluster, make_job


def main() -> int:
    with connect() as (client, server):
        cluster_id = client.create_cluster(make_cluster()).Id
        job_ids = []
        for number in range(3):
            job = make_job(cluster_id, log_path(server))
            job.Name = "easy-list-%d" % number
            job.Priority = number
            job_ids.append(client.create_job(job).Id)
        client.poll(job_ids, timeout=300, interval=0.5)
        mine = list(client.easy_list("jobs", Name=lambda name: name.startswith("easy-list-")))
        print("jobs named easy-list-*: %d" % len(mine))
        finished = list(client.easy_list("jobs", State="Finished", Id=job_ids))
        print("finished among them: %d" % len(finished))
        urgent = list(client.easy_list("jobs", Priority=lambda priority: priority >= 1, Id=job_ids))
        print("priority >= 1: %s" % sorted(job.Name for job in urgent))
        tasks = list(client.easy_list("tasks", job_ids[0], State=["Finished", "Failed"]))
        print("ended tasks of %s: %s" % (job_ids[0], [task.TaskName for task in tasks]))
        for job_id in job_ids:
            client.delete_job(job_id)
        client.delete_cluster(cluster_id)
        return 0 if len(mine) == 3 and len(finished) == 3 else 1


if __name__ == "__main__":
    sys.exit(main())
