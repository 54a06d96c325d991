import re
from pathlib import Path

from setuptools import find_packages, setup

here = Path(__file__).parent
version = re.search(r'__version__ = "([^"]+)"', (here / "batchcompute" / "__init__.py").read_text()).group(1)

setup(
    name="batchcompute",
    version=version,
    description="Python 3 SDK for Alibaba Cloud BatchCompute, drop-in for the official 2.1.7 SDK, "
                "with a local BatchCompute server that really runs jobs",
    long_description=(here / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    packages=find_packages(include=["batchcompute", "batchcompute.*"]),
    package_data={"batchcompute": ["py.typed"]},
    python_requires=">=3.8",
    install_requires=["requests>=2.20", "six>=1.12"],
    extras_require={
        "test": ["pytest>=7", "hypothesis>=6", "sphinx>=5", "ruff"],
        "docs": ["sphinx>=5"],
    },
    entry_points={"console_scripts": ["batchcompute-local = batchcompute.local.__main__:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "License :: OSI Approved :: Apache Software License",
        "Typing :: Typed",
    ],
)
