"""Logging under the ``batchcompute`` logger, silent unless the application configures it."""

from __future__ import annotations

import logging
from typing import Dict, Union

__all__ = ["ALL_LOGS", "LOG_FORMATTER", "LOG_LEVEL", "add_handler", "get_logger", "set_log_level"]

ROOT = "batchcompute"
#: The format of the records that :func:`set_log_level` and ``get_logger(file_name=...)`` print.
LOG_FORMATTER = "[%(asctime)s]\t[%(levelname)s]\t[%(thread)d]\t[%(pathname)s:%(lineno)d]\t%(message)s"
LOG_LEVEL = logging.WARNING
logging.getLogger(ROOT).addHandler(logging.NullHandler())
#: The loggers handed out so far ('root' is the ``batchcompute`` logger).
ALL_LOGS: Dict[str, logging.Logger] = {"root": logging.getLogger(ROOT)}


def _handler(handler: logging.Handler) -> logging.Handler:
    handler.setFormatter(logging.Formatter(LOG_FORMATTER))
    return handler


def _level(level: Union[str, int]) -> Union[str, int]:
    return level if isinstance(level, int) else level.upper()


def get_logger(logname: str = ROOT, level: Union[str, int] = "", file_name: str = "") -> logging.Logger:
    """The logger ``logname`` (at ``level``, WARNING by default), registered in :data:`ALL_LOGS`
    so that :func:`set_log_level` reaches it; ``file_name`` adds a file handler."""
    logger = logging.getLogger(logname)
    ALL_LOGS["root" if logname == ROOT else logname] = logger
    logger.setLevel(_level(level) if level else (logger.level or LOG_LEVEL))
    if file_name:
        logger.addHandler(_handler(logging.FileHandler(file_name)))
    return logger


def add_handler(hdlr: logging.Handler) -> None:
    """Add a handler to every logger of :data:`ALL_LOGS`."""
    for logger in ALL_LOGS.values():
        logger.addHandler(hdlr)


def set_log_level(loglevel: Union[str, int] = "WARNING") -> None:
    """Set the level of every logger of :data:`ALL_LOGS` and print the ``batchcompute`` logger's
    records to stderr."""
    for logger in ALL_LOGS.values():
        logger.setLevel(_level(loglevel))
    root = ALL_LOGS["root"]
    if not any(type(h) is logging.StreamHandler for h in root.handlers):
        root.addHandler(_handler(logging.StreamHandler()))
