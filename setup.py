"""The package is described in pyproject.toml; this file lets old tools run ``setup.py``."""
from setuptools import setup

setup()
