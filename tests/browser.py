"""Headless Debian Chromium for the browser tests: axe-core's serious findings, reflow at
the window sizes we check, pages reached by a form's POST, and screenshots.

`playwright install` downloads browsers and cannot work here; Playwright drives the
chromium the README's test command installs. Outside CI a test without it skips.

Screenshots go under tests/screenshots/ (git-ignored); CI keeps that folder as the run's
artefacts, so a reviewer can look at every page type at both sizes without running it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SERIOUS = {"serious", "critical"}
#: The window sizes every page is checked at: a desktop, and the 320 CSS px wide window of
#: WCAG 1.4.10 (Reflow), where nothing may need scrolling sideways.
DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}
VIEWPORTS = {"1280": DESKTOP, "320": NARROW}
SCREENSHOTS = Path(__file__).parent / "screenshots"


def require(*tools: str) -> None:
    """Skip (fail in CI) unless chromium and ``tools`` are installed."""
    missing = [t for t in (CHROMIUM, *tools) if shutil.which(t) is None]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} missing: the README's test command installs them")
        pytest.skip(f"{missing} not installed (the README's test command installs them)")


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


@contextlib.contextmanager
def chromium(*tools: str) -> Iterator:
    """One headless Chromium for a module's tests (skips without it, or without ``tools``)."""
    from playwright.sync_api import sync_playwright

    require(*tools)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical WCAG findings on the page as it stands."""
    from axe_playwright_python.sync_playwright import Axe

    return [
        f"{page.url}: {v['id']} {v['help']} {[n['target'] for n in v['nodes']][:3]}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in SERIOUS
    ]


def open_page(page, url: str, form: dict[str, str] | None = None):
    """Go to ``url``, by posting ``form`` to it when given (as the page's own form would);
    the navigation's response."""
    if form is None:
        return page.goto(url)

    def as_post(route) -> None:
        headers = {**route.request.headers, "content-type": "application/x-www-form-urlencoded"}
        route.continue_(method="POST", post_data=urlencode(form), headers=headers)

    def this_url(address: str) -> bool:
        return address == url

    page.route(this_url, as_post)
    try:
        return page.goto(url)
    finally:
        page.unroute(this_url, as_post)


def screenshot(page, folder: str, name: str) -> Path:
    """A full-page PNG of the page as it stands, at tests/screenshots/FOLDER/NAME.png."""
    path = SCREENSHOTS / folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


#: Reflow (WCAG 1.4.10) in the page as laid out now. The document must not be wider than the
#: window; no element, and no text, may reach past the window's right edge or be cut off at
#: its left, unless it lies inside a scroll container; and every container that scrolls
#: sideways must be a labelled region the keyboard can reach and scroll (role="region", a
#: name from aria-label or aria-labelledby, tabindex="0": the .table-scroll pattern). An
#: element whose overflow is hidden must not cut off its content either. Left alone:
#: content hidden on purpose (display:none, visibility:hidden, clipped to nothing or to 1 px
#: for screen readers, or placed wholly off the left edge, as the skip link is until
#: focused), and form fields (a textarea scrolls its own text; it is labelled and focusable
#: as a field).
_REFLOW_SCRIPT = """
() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const page = document.scrollingElement || document.documentElement;
  if (page.scrollWidth > width + 1) {
    const wide = `${page.scrollWidth} px of content in ${width} px`;
    problems.push(`the page is wider than the window: ${wide}`);
  }
  const style = (el) => getComputedStyle(el);
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += '#' + el.id;
    for (const c of el.classList) name += '.' + c;
    const text = (el.innerText || el.textContent || '').trim().replace(/\\s+/g, ' ');
    return text ? `<${name}> "${text.slice(0, 60)}${text.length > 60 ? '…' : ''}"` : `<${name}>`;
  };
  const scrollsSideways = (el) => ['auto', 'scroll'].includes(style(el).overflowX);
  const clips = (el) => ['hidden', 'clip'].includes(style(el).overflowX);
  const field = (el) => ['TEXTAREA', 'INPUT', 'SELECT'].includes(el.tagName);
  const hiddenOnPurpose = (el) => {
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
      const s = style(e);
      if (s.visibility === 'hidden' || s.display === 'none') return true;
      if (s.clip === 'rect(0px, 0px, 0px, 0px)' || s.clipPath.startsWith('inset(50%')) return true;
      const box = e.getBoundingClientRect();
      if (s.overflow !== 'visible' && box.width <= 1 && box.height <= 1) return true;
      if (box.right + window.scrollX <= 0) return true;  // parked off the left edge
    }
    return false;
  };
  // Inside a box that scrolls or clips sideways, which is judged itself (below).
  const insideOverflowBox = (el) => {
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      if (scrollsSideways(e) || clips(e)) return true;
    }
    return false;
  };
  const sticksOut = (el) => {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) return false;
    const left = box.left + window.scrollX;
    const right = box.right + window.scrollX;
    return right > width + 1 || (left < -1 && right > 0);
  };
  const named = (el) => {
    if ((el.getAttribute('aria-label') || '').trim()) return true;
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    return ids.length > 0 && ids.every((id) => {
      const label = document.getElementById(id);
      return label && label.textContent.trim();
    });
  };
  for (const el of document.body.querySelectorAll('*')) {
    if (sticksOut(el) && !(el.parentElement && sticksOut(el.parentElement))
        && !insideOverflowBox(el) && !hiddenOnPurpose(el)) {
      const box = el.getBoundingClientRect();
      const [wide, left, right] = [box.width, box.left, box.right].map(Math.round);
      problems.push(`${describe(el)} sticks out of the ${width} px window: `
        + `${wide} px wide, from ${left} to ${right} px`);
    }
    if (field(el) || hiddenOnPurpose(el) || el.scrollWidth <= el.clientWidth + 1) continue;
    if (scrollsSideways(el)) {
      const missing = [];
      if (el.getAttribute('role') !== 'region') missing.push('role="region"');
      if (!named(el)) missing.push('a name (aria-label or aria-labelledby)');
      if (el.getAttribute('tabindex') !== '0') missing.push('tabindex="0"');
      if (missing.length) {
        const wide = `${el.scrollWidth} px in ${el.clientWidth} px`;
        problems.push(`${describe(el)} scrolls sideways (${wide}) but lacks ${missing.join(', ')}`);
      }
    } else if (clips(el)) {
      const wide = `${el.scrollWidth} px in ${el.clientWidth} px`;
      problems.push(`${describe(el)} cuts off its content: ${wide}`);
    }
  }
  // Text longer than its box (a long word, a URL) reaches past the window by itself.
  const inBoxThatSticksOut = (el) => {
    for (let e = el; e && e !== document.body; e = e.parentElement) if (sticksOut(e)) return true;
    return false;
  };
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const reported = new Set();
  for (let text = texts.nextNode(); text; text = texts.nextNode()) {
    const el = text.parentElement;
    if (!text.data.trim() || reported.has(el) || field(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(text);
    const lines = Array.from(range.getClientRects());
    if (!lines.length) continue;
    const left = Math.min(...lines.map((r) => r.left)) + window.scrollX;
    const right = Math.max(...lines.map((r) => r.right)) + window.scrollX;
    if ((right <= width + 1 && left >= -1) || scrollsSideways(el) || clips(el)
        || insideOverflowBox(el) || inBoxThatSticksOut(el) || hiddenOnPurpose(el)) continue;
    reported.add(el);
    const span = `${Math.round(left)} to ${Math.round(right)} px`;
    problems.push(`${describe(el)}: its text runs past the ${width} px window (${span})`);
  }
  return problems;
}
"""


def reflow_problems(page) -> list[str]:
    """Content that overflows the window or scrolls sideways without being a labelled,
    focusable region (see ``_REFLOW_SCRIPT``), as the page is laid out now."""
    return page.evaluate(_REFLOW_SCRIPT)
