"""The program the wordcount DAG runs (shipped to the instances as a tar.gz PackagePath).

    python3 wordcount_worker.py split|count|merge

split: input/*.txt -> out/part-<n> (one part per count instance); count: split/part-<instance id>
-> out/count-<instance id>; merge: counts/count-* -> out/total.
"""

import glob
import os
import sys

PARTS = int(os.environ.get("PARTS", "2"))


def split() -> None:
    words = []
    for name in sorted(glob.glob("input/*.txt")):
        with open(name) as f:
            words.extend(f.read().split())
    os.makedirs("out", exist_ok=True)
    for part in range(PARTS):
        with open("out/part-%d" % part, "w") as f:
            f.write(" ".join(words[part::PARTS]))


def count() -> None:
    instance = os.environ["BATCH_COMPUTE_DAG_INSTANCE_ID"]
    with open("split/part-%s" % instance) as f:
        number = len(f.read().split())
    os.makedirs("out", exist_ok=True)
    with open("out/count-%s" % instance, "w") as f:
        f.write(str(number))
    print("instance %s counted %d words" % (instance, number))


def merge() -> None:
    total = 0
    for name in glob.glob("counts/count-*"):
        with open(name) as f:
            total += int(f.read())
    os.makedirs("out", exist_ok=True)
    with open("out/total", "w") as f:
        f.write(str(total))
    print("total: %d words" % total)


if __name__ == "__main__":
    {"split": split, "count": count, "merge": merge}[sys.argv[1]]()
