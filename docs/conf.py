"""Sphinx configuration: the API reference is generated from the package's docstrings."""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import batchcompute  # noqa: E402

project = "batchcompute"
author = "The batchcompute authors"
copyright = "2026, The batchcompute authors"
version = release = batchcompute.__version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": False}
nitpicky = False
suppress_warnings = ["ref.python"]
exclude_patterns = ["_build"]
html_theme = "alabaster"
