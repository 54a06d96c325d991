"""This package's version: the official SDK's it is a drop-in for, and our release after it."""

__all__ = ["__version__"]

__version__ = "2.1.7.post1"
