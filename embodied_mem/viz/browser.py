"""Screenshots of the HTML view in headless Chromium (playwright; never downloads a browser).

Used by the browser test and to make the README screenshot. The system Chromium is used
(``/usr/bin/chromium`` or ``chromium`` on PATH, or ``executable``).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class BrowserUnavailable(RuntimeError):
    """No usable headless browser here (playwright or Chromium missing); the message says which."""


def find_chromium(executable: str | Path | None = None) -> str:
    """The Chromium binary to drive, or :class:`BrowserUnavailable` naming what to install."""
    for cand in (
        executable,
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if cand and Path(cand).exists():
            return str(cand)
    raise BrowserUnavailable(
        "no Chromium found (looked at /usr/bin/chromium and PATH); install the system "
        "package (apt-get install chromium) — browsers are never downloaded"
    )


@contextmanager
def chromium_page(
    html: str | Path,
    *,
    width: int = 1100,
    height: int = 750,
    executable: str | Path | None = None,
    wait_for: str = ".plotly .main-svg",
    settle_ms: int = 1500,
) -> Iterator[tuple[Any, list[str]]]:
    """Open ``html`` in headless Chromium and wait until ``wait_for`` shows (plotly drew).

    Yields:
        (the playwright page, the console errors and uncaught page errors seen so far).
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BrowserUnavailable(
            "python playwright is not installed; `pip install 'embodied-mem[dev]'`"
        ) from exc
    chromium = find_chromium(executable)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(Path(html).resolve().as_uri())
            page.wait_for_selector(wait_for, timeout=30_000)
            page.wait_for_timeout(settle_ms)  # the WebGL scene draws after plotly's SVG chrome
            yield page, errors
        finally:
            browser.close()


def screenshot_html(
    html: str | Path,
    png: str | Path,
    *,
    width: int = 1100,
    height: int = 750,
    executable: str | Path | None = None,
    settle_ms: int = 1500,
    selector: str | None = None,
) -> list[str]:
    """Open ``html`` in headless Chromium, wait for plotly to draw, save a PNG screenshot (of
    ``selector``'s first element when given, else the window).

    Returns:
        The console errors and uncaught page errors seen while loading (empty = clean).
    """
    with chromium_page(
        html, width=width, height=height, executable=executable, settle_ms=settle_ms
    ) as (page, errors):
        target = page.locator(selector).first if selector else page
        target.screenshot(path=str(png))
    logger.info("screenshot of %s written to %s", html, png)
    return errors
