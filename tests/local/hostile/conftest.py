"""The hostile-input suites share tests/local's helpers (``local_helpers``) and this folder's
(``hostile_helpers``)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parent):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
