"""Renderers of the API's file answers: the file's bytes pass through; an error body (a dict) is written as JSON, so a
client that asked for a PDF or a workbook still reads why it was refused."""

from __future__ import annotations

import json

from rest_framework import renderers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BinaryRenderer(renderers.BaseRenderer):
    """Passes file bytes through; an error body (a dict) is written as JSON."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes | bytearray):
            return data
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


class PdfRenderer(BinaryRenderer):
    media_type = "application/pdf"
    format = "pdf"


class XlsxRenderer(BinaryRenderer):
    media_type = XLSX
    format = "xlsx"
