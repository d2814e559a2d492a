"""A real browser for the tests: headless Chromium from Debian's packages (``chromium``,
``chromium-driver``: ``/usr/bin/chromium``, ``/usr/bin/chromedriver``), driven by Selenium
through that chromedriver (Selenium Manager never asked: nothing is downloaded).

Where they are not installed the tests that need them skip, saying how to install them, unless
``GOVNEWS_REQUIRE_BROWSER=1`` (set by ``.ci/run``, which installs them): then they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

REQUIRE_ENV = "GOVNEWS_REQUIRE_BROWSER"
INSTALL_HINT = "headless Chromium is not installed: apt-get install chromium chromium-driver"
CHROMIUM = ("/usr/bin/chromium", "chromium")
CHROMEDRIVER = ("/usr/bin/chromedriver", "chromedriver")


def _found(names: tuple[str, ...]) -> str | None:
    for name in names:
        path = name if os.path.isabs(name) and os.access(name, os.X_OK) else shutil.which(name)
        if path:
            return path
    return None


def binaries() -> tuple[str, str] | None:
    """``(chromium, chromedriver)``, or None when either is missing."""
    browser, driver = _found(CHROMIUM), _found(CHROMEDRIVER)
    return (browser, driver) if browser and driver else None


def require() -> tuple[str, str]:
    """The two binaries; the test skips without them (fails in CI)."""
    found = binaries()
    if found is None:
        if os.environ.get(REQUIRE_ENV, "") not in ("", "0"):
            pytest.fail(f"{INSTALL_HINT} ({REQUIRE_ENV} is set)")
        pytest.skip(INSTALL_HINT)
    return found


@contextmanager
def chromium(width: int = 1100, height: int = 900) -> Iterator[webdriver.Chrome]:
    """A headless Chromium window of ``width`` × ``height`` CSS pixels (scale 1), closed after."""
    found = binaries()
    if found is None:
        raise RuntimeError(INSTALL_HINT)
    browser, driver_path = found
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        # As root (CI, containers) Chromium runs only without its sandbox.
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path, log_output=os.devnull))
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: webdriver.Chrome, path: Path, width: int = 1100) -> None:
    """The whole page (not only the window) as a PNG at ``path``."""
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(width, height)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not driver.save_screenshot(str(path)):
        raise RuntimeError(f"no screenshot written to {path}")
