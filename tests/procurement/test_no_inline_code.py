"""No template or HTML-emitting code writes what the Content-Security-Policy refuses (issue 8 point 8).

Source: issue 8 point 8 and settings.CONTENT_SECURITY_POLICY (script-src 'self', style-src 'self'): no inline
<script>, no on…= handler, no style="…" attribute, no <style> element. tests/e2e/test_csp.py checks the pages
in Chromium; this reads every template and every module that builds HTML in Python, so that a template no
browser test opens (a form's error state, a page added later) cannot bring inline code back unseen.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Rendered by WeasyPrint into PDF, never served to a browser: their <style> is the print layout.
PDF_TEMPLATES = {"contracts/contract_text.html", "tasks/pdf/task_notice.html", "framework/plans/pdf/plan.html"}
APPS = ("procurement", "batch", "framework", "volume", "notices")

INLINE_CODE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "on…= handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE | re.DOTALL),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
}


def templates() -> list[Path]:
    found = []
    for directory in [ROOT / "templates", *(ROOT / app / "templates" for app in APPS)]:
        found += [path for path in directory.rglob("*.html")
                  if path.relative_to(directory).as_posix() not in PDF_TEMPLATES]
    return sorted(found)


def html_building_modules() -> list[Path]:
    """Template tags and admin modules: where Python writes HTML (format_html, mark_safe) into pages."""
    found = []
    for app in APPS:
        for part in ("templatetags", "admin"):
            found += (ROOT / app).glob(f"{part}/*.py")
        found += (ROOT / app).glob("admin*.py")
    return sorted(found)


def inline_code(text: str) -> list[str]:
    # Django comments may name what they avoid ("a style element"), never write it: strip them first.
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", "", text, flags=re.DOTALL)
    return [f"{kind}: {match.group(0)[:80]!r}"
            for kind, pattern in INLINE_CODE.items() for match in pattern.finditer(text)]


def test_the_scan_finds_each_kind_of_inline_code():
    assert inline_code('<form method="post" onsubmit="return confirm(\'x\')">') == [
        "on…= handler: '<form method=\"post\" onsubmit='"]
    assert [found.split(":")[0] for found in inline_code(
        '<script>x()</script><th style="width:3em"><style>p{}</style><script src="/a.js"></script>')] == [
        "inline <script>", "style attribute", "<style> element"]
    assert inline_code('{# no <style> here #}<div class="x" data-confirm="确定吗？">') == []


def test_there_are_templates_and_modules_to_read():
    assert len(templates()) > 50
    assert any(path.name == "portal.py" for path in html_building_modules())


@pytest.mark.parametrize("path", templates() + html_building_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_inline_script_handler_or_style(path):
    assert inline_code(path.read_text(encoding="utf-8")) == []
