"""Helpers for the web console tests: a logged-in HTTP session, tokens read from pages, jobs whose
instances wait for the test, and a headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import pytest
import requests
from local_helpers import task

from batchcompute.local import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: Without the background-networking flags Chromium keeps trying hosts a closed network refuses.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1360,1000",
)
#: Where the browser tests write their screenshots when asked (for the docs).
SCREENSHOTS_ENV = "CONSOLE_SCREENSHOTS"


def hidden_value(html: str, name: str) -> str:
    """The value of the hidden input ``name`` of a page."""
    found = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), html)
    assert found, "no %s field in the page" % name
    return found.group(1)


def login(endpoint: str, key_id: str = DEFAULT_ACCESS_KEY_ID, secret: str = DEFAULT_ACCESS_KEY_SECRET) -> Any:
    """A requests.Session logged in to the console through its login form."""
    session = requests.Session()
    page = session.get(endpoint + "/console/login", timeout=30)
    answer = session.post(
        endpoint + "/console/login",
        data={"token": hidden_value(page.text, "token"), "key_id": key_id, "secret": secret},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 303, answer.text
    return session


def csrf(session: Any, url: str) -> str:
    """The CSRF token of the session, read from a page."""
    return hidden_value(session.get(url, timeout=30).text, "csrf")


def waiting_task(
    gate: Path, instances: int = 1, before: str = "", after: str = "", cluster_id: Optional[str] = None
) -> Dict[str, Any]:
    """A task (AutoCluster unless ``cluster_id``) whose instance N prints ``before``, waits until
    the file ``gate/go.N`` exists, then prints ``after``."""
    command = "echo %s; while [ ! -e %s/go.$BATCH_COMPUTE_DAG_INSTANCE_ID ]; do sleep 0.05; done; echo %s" % (
        before or "started",
        gate,
        after or "done",
    )
    return task(command, instances, cluster_id, timeout=600)


def open_gate(gate: Path, instance: int = 0) -> None:
    (gate / ("go.%d" % instance)).touch()


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)


@contextmanager
def chromium() -> Iterator[Any]:
    """A Selenium driver of a headless Chromium with a fresh profile. Skipped where Chromium is
    not installed, except in CI (CI=true), which must have it."""
    if not chromium_available():
        if os.environ.get("CI"):
            pytest.fail("CI must install chromium and chromium-driver (.ci/run does)")
        pytest.skip("chromium and chromium-driver are not installed")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="console-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + ("--user-data-dir=" + profile,):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot_dir() -> Optional[Path]:
    """Where screenshots go (``$CONSOLE_SCREENSHOTS``), None when none are asked for."""
    target = os.environ.get(SCREENSHOTS_ENV)
    return Path(target) if target else None
