"""What the accessibility tests check on a page in Chromium, shared by the browser tests.

- `axe_problems`: axe-core (from the npm registry, node_modules/axe-core, installed by
  `npm ci`; never served to users) injected through Playwright's CDP evaluation, which
  the page's Content-Security-Policy does not govern; every rule axe runs by default
  (WCAG 2.0/2.1/2.2 A and AA and its best practices), and every violation it rates
  serious or critical.
- `layout_problems`: nothing needs horizontal scrolling and no text is cut off (an
  element that hides overflowing text), at the viewport the page is shown at.
- `focus_problems`: every visible link, button and field takes the keyboard focus and
  shows it (an outline of at least 2 px, or a box shadow) once the keyboard is in use.
"""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
# Browser zoom at 200 % in a 1280 px window lays the page out in 640 CSS pixels.
ZOOMED = {"width": 640, "height": 900}
PHONE = {"width": 390, "height": 844}
# A 20 px default font (the browser's "very large" text setting) instead of 16 px.
LARGE_FONT = "125%"

_source = None


def axe_source():
    """axe-core's script; skipped without it, a failure under CI=true (`npm ci` installs it)."""
    global _source
    if _source is None:
        if not AXE.exists():
            reason = f"axe-core is not installed ({AXE.relative_to(ROOT)}): run `npm ci` in the project folder"
            if os.environ.get("CI") == "true":
                pytest.fail(reason + " — required under CI=true")
            pytest.skip(reason)
        _source = AXE.read_text()
    return _source


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' +
         v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ') +
         (v.nodes.length > 3 ? ' … (' + v.nodes.length + ' in all)' : ''));
}"""


def axe_problems(page):
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    return page.evaluate(AXE_RUN)


LAYOUT_CHECK = """() => {
  const problems = [];
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const root = document.scrollingElement || document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    problems.push('the page scrolls sideways: ' + root.scrollWidth + ' px in ' + root.clientWidth);
  }
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.visually-hidden, svg, [aria-hidden=true]')) continue;
    if (el.matches('input, select, textarea, option')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || el.clientWidth === 0) continue;
    // Django admin's own result and inline tables scroll inside their box by design.
    if (el.closest('#changelist .results, .inline-group, .selector')) continue;
    const text = el.textContent.replace(/\\s+/g, ' ').trim();
    if (style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1) {
      problems.push((style.overflowX === 'hidden' || style.overflowX === 'clip' ? 'cuts off: ' : 'scrolls sideways: ') +
                    describe(el) + ' ' + el.scrollWidth + ' px in ' + el.clientWidth + ' «' + text.slice(0, 40) + '»');
    }
    if ((style.overflowY === 'hidden' || style.overflowY === 'clip') && el.scrollHeight > el.clientHeight + 1 && text) {
      problems.push('cuts off below: ' + describe(el) + ' «' + text.slice(0, 40) + '»');
    }
  }
  return problems.slice(0, 10);
}"""


def layout_problems(page):
    return page.evaluate(LAYOUT_CHECK)


FOCUS_CHECK = """() => {
  const problems = [];
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  const controls = Array.from(document.querySelectorAll(selector)).filter(el => {
    if (el.disabled || el.closest('[inert]')) return false;
    // Django admin's autocomplete hides its <select> behind the box people use (select2).
    if (el.classList.contains('select2-hidden-accessible')) return false;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (el.closest('details:not([open])') && !el.matches('summary')) return false;
    return box.width > 0 && box.height > 0 && style.visibility !== 'hidden';
  });
  for (const el of controls.slice(0, 400)) {
    el.focus({preventScroll: true});
    const name = el.tagName.toLowerCase() + ' «' + (el.textContent || el.value || el.name || '').trim().slice(0, 30) + '»';
    if (document.activeElement !== el) { problems.push('takes no keyboard focus: ' + name); continue; }
    if (el.tabIndex < 0) { problems.push('is not in the tab order: ' + name); continue; }
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    if (!outline && !shadow) problems.push('shows no focus: ' + name);
  }
  document.activeElement && document.activeElement.blur();
  return problems.slice(0, 10);
}"""


def focus_problems(page):
    """Focus every visible control after a key press (so that :focus-visible applies as
    when tabbing) and report those that cannot take focus or do not show it."""
    page.keyboard.press("Shift")
    return page.evaluate(FOCUS_CHECK)


def set_large_font(page):
    """The browser's default font at 20 px (what the page's rem sizes scale from)."""
    page.evaluate(f"document.documentElement.style.fontSize = '{LARGE_FONT}'")
