"""Create a job on a cluster, poll it until it ends, then delete the job and the cluster.

    python examples/create_job.py [CLUSTER_ID]

Without a cluster id, a cluster is created first (and deleted at the end).
"""

from __future__ import annotations

import sys

from _connect import connect, log_path
from quickstart import make_cluster, make_job


def main(argv) -> int:
    with connect() as (client, server):
        cluster_id = argv[1] if len(argv) > 1 else client.create_cluster(make_cluster()).Id
        job_id = client.create_job(make_job(cluster_id, log_path(server))).Id
        print("job %s created on cluster %s" % (job_id, cluster_id))
        errors = client.poll(job_id, timeout=300, interval=0.5)
        print("job %s: %s %s" % (job_id, client.get_job(job_id).State, errors or ""))
        client.delete_job(job_id)
        if len(argv) <= 1:
            client.delete_cluster(cluster_id)
        return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
