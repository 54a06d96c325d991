"""Logging under the ``batchcompute`` logger, silent unless the application configures it."""
from __future__ import annotations

import logging
from typing import Union

__all__ = ["get_logger", "set_log_level"]

ROOT = "batchcompute"
logging.getLogger(ROOT).addHandler(logging.NullHandler())


def get_logger(logname: str = ROOT, level: Union[str, int] = "", file_name: str = "") -> logging.Logger:
    """The ``batchcompute`` logger or a child of it; ``file_name`` adds a file handler."""
    name = logname if logname == ROOT or logname.startswith(ROOT + ".") else "%s.%s" % (ROOT, logname)
    logger = logging.getLogger(name)
    if level:
        logger.setLevel(level if isinstance(level, int) else level.upper())
    if file_name:
        handler = logging.FileHandler(file_name)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
    return logger


def set_log_level(loglevel: Union[str, int] = "WARNING") -> None:
    """Set the level of every ``batchcompute`` logger and print its records to stderr."""
    logger = logging.getLogger(ROOT)
    logger.setLevel(loglevel if isinstance(loglevel, int) else loglevel.upper())
    if not any(isinstance(h, logging.StreamHandler) and not isinstance(h, logging.NullHandler)
               for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
