"""Create a cluster (one group of one VM with a system and a data disk), show it, delete it."""

from __future__ import annotations

import sys

from _connect import connect
from quickstart import make_cluster


def main() -> int:
    with connect() as (client, _server):
        cluster_id = client.create_cluster(make_cluster()).Id
        cluster = client.get_cluster(cluster_id)
        print("cluster %s (%s): %s" % (cluster.Id, cluster.Name, cluster.State))
        for name, group in cluster.Groups.items():
            print("group %s: %s x %s" % (name, group.DesiredVMCount, group.InstanceType))
        client.delete_cluster(cluster_id)
        return 0


if __name__ == "__main__":
    sys.exit(main())
