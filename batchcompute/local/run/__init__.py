"""Running instances: the scheduler, the executors, working directories, the object store, shared threads."""
