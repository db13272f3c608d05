"""Uploaded documents the services accept: one rule for what a PDF upload must be, whoever uploads it (a signed
contract and its public version, a signed framework agreement, a supplier's qualification documents)."""

from __future__ import annotations

from pathlib import PurePath

from django.core.files import File

from procurement.services.errors import ServiceError

MAX_PDF_BYTES = 20 * 1024 * 1024
SIGNED_HINT = "（请上传签字盖章后的扫描件或电子签章文件）"


def pdf_checked(file: File | None, *, field: str, label: str, hint: str = "") -> File:
    """``file`` when it is a PDF (named .pdf, its first bytes ``%PDF-``), not empty and at most 20MB; else a Chinese
    refusal naming ``label`` on ``field``. ``hint`` follows the refusal of a file that is no PDF."""
    if not file:
        raise ServiceError(f"请上传{label}（PDF）", field=field)
    if PurePath(file.name or "").suffix.lower() != ".pdf":
        raise ServiceError(f"{label}须为PDF文件", field=field)
    if file.size is not None and file.size > MAX_PDF_BYTES:
        raise ServiceError(f"{label}不能超过20MB", field=field)
    if file.size == 0:
        raise ServiceError(f"上传的{label}是空文件", field=field)
    file.seek(0)
    head = file.read(5)
    file.seek(0)
    if head != b"%PDF-":
        raise ServiceError(f"{label}不是有效的PDF文件{hint}", field=field)
    return file
