"""Checking uploaded attachments: the type is sniffed from the content (magic bytes and, for
office files, the parts inside the zip), never trusted from the name or the browser."""

from __future__ import annotations

import os
import zipfile
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

#: extension → content type of the allowed kinds
TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "csv": "text/csv",
    "txt": "text/plain",
}
_OOXML_PARTS = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}
_HTML_HINTS = (
    b"<!doctype",
    b"<html",
    b"<script",
    b"<body",
    b"<head",
    b"<svg",
    b"<iframe",
    b"<?xml",
)


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def max_bytes() -> int:
    return int(settings.SAMVERKA_UPLOAD_MAX_MB) * 1024 * 1024


def _zip_kind(upload: Any) -> str | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                # Read a few bytes, never the whole member: it may unpack to gigabytes.
                with archive.open("mimetype") as member:
                    if member.read(100).strip() == TYPES["odt"].encode():
                        return "odt"
                return None
            for kind, part in _OOXML_PARTS.items():
                if part in names:
                    return kind
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    return None


def sniff(upload: Any) -> str | None:
    """The kind (an extension of :data:`TYPES`) the content shows, or None when not allowed."""
    upload.seek(0)
    head = upload.read(8192)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(upload)
    # Text: valid UTF-8 (or Latin-1 without control characters), no NUL, nothing like markup.
    if b"\x00" in head:
        return None
    lowered = head.lower().lstrip(b"\xef\xbb\xbf \t\r\n")
    if lowered.startswith(b"<") or any(hint in lowered for hint in _HTML_HINTS):
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the 8 KiB boundary
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return None
    return "text"


def check_upload(upload: Any) -> tuple[str, str]:
    """Validate an uploaded file; returns ``(safe file name, content type)`` or raises
    ValidationError naming the problem."""
    name = get_valid_filename(os.path.basename(upload.name or "file")) or "file"
    if upload.size > max_bytes():
        raise ValidationError(
            _("The file is too large: at most %(mb)s MB.") % {"mb": max_bytes() // (1024 * 1024)}
        )
    extension = _extension(name)
    if extension not in TYPES:
        raise ValidationError(
            _("Files of this type are not accepted. Allowed: %(types)s.")
            % {"types": "PDF, DOCX, XLSX, PPTX, ODT, PNG, JPEG, CSV, TXT"}
        )
    sniffed = sniff(upload)
    upload.seek(0)
    expected = {"jpeg": "jpg", "csv": "text", "txt": "text"}.get(extension, extension)
    if sniffed != expected:
        raise ValidationError(
            _("The content of “%(name)s” is not a %(type)s file.")
            % {"name": name, "type": extension.upper()}
        )
    return name, TYPES[extension]


def download(file: Any, name: str, content_type: str | None = None) -> FileResponse:
    """Serve a stored upload: always as a download, never rendered by the browser. Without
    ``content_type`` the type follows the name's extension (checked by :func:`check_upload`)."""
    if content_type is None:
        content_type = TYPES.get(_extension(name), "application/octet-stream")
    response = FileResponse(
        file.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
