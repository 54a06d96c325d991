"""Working directories of running attempts."""

from __future__ import annotations

import itertools
import os
import shutil
import threading
from pathlib import Path
from typing import List

__all__ = ["WorkDirs"]


class WorkDirs:
    """Empty working directories under ``root``, one per running attempt.

    A directory its command left empty is reused: creating and removing directories costs more
    than running a short command on some file systems. Whatever a previous server process left
    under ``root`` is removed at start.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True, exist_ok=True)
        self._free: List[Path] = []
        self._count = itertools.count()
        self._lock = threading.Lock()

    def take(self) -> Path:
        with self._lock:
            if self._free:
                return self._free.pop()
        path = self.root / ("w%d" % next(self._count))
        path.mkdir()
        return path

    def give_back(self, path: Path) -> None:
        try:
            with os.scandir(path) as entries:
                empty = next(entries, None) is None
        except OSError:
            empty = False
        if not empty:
            shutil.rmtree(path, ignore_errors=True)
            return
        with self._lock:
            self._free.append(path)
