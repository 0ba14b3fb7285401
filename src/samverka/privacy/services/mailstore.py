"""Copies of sent mail that the default file backend keeps under ``EMAIL_FILE_PATH``.

They hold addresses, names and link tokens, so an erasure removes every stored message addressed
to or mentioning the person, and retention deletes the files older than
``SAMVERKA_RETENTION_MAIL_DAYS``. The backend writes one file per connection, each message
followed by a line of 79 dashes; a file that still holds other people's messages is rewritten
without the erased ones.
"""

from __future__ import annotations

import datetime as dt
import email
import os
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings

SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def mail_folder() -> Path | None:
    """The folder the file backend writes to, if one is configured and exists."""
    path = getattr(settings, "EMAIL_FILE_PATH", None)
    if not path or not Path(path).is_dir():
        return None
    return Path(path)


def _mail_files() -> list[Path]:
    folder = mail_folder()
    if folder is None:
        return []
    return sorted(path for path in folder.glob("*.log") if path.is_file())


def _text(raw: bytes) -> str:
    """The message as a reader sees it: its raw form plus its headers and parts decoded (an
    address in a quoted-printable or base64 body or an encoded header is found too)."""
    chunks = [raw.decode("utf-8", "replace")]
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    for part in message.walk():
        chunks.extend(str(value) for value in part.values())
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)  # undecodable bodies come back raw
        if isinstance(payload, bytes):
            chunks.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(chunks)


def _mentions(text: str, needles: list[re.Pattern[str]]) -> bool:
    return any(needle.search(text) for needle in needles)


def _split(data: bytes) -> list[bytes]:
    """The messages of one file, each with its separator."""
    parts = data.split(SEPARATOR)
    messages = [part + SEPARATOR for part in parts[:-1]]
    if parts[-1].strip():  # a message being written, or a file written by something else
        messages.append(parts[-1])
    return messages


def erase_mail(needles: list[re.Pattern[str]], *, dry_run: bool = False) -> int:
    """Remove every stored message in which one of the ``needles`` (the person's addresses as
    whole words) occurs; return how many. A file left empty is deleted, others are rewritten
    atomically."""
    if not needles:
        return 0
    removed = 0
    for path in _mail_files():
        messages = _split(path.read_bytes())
        keep = [raw for raw in messages if not _mentions(_text(raw), needles)]
        if len(keep) == len(messages):
            continue
        removed += len(messages) - len(keep)
        if dry_run:
            continue
        if not keep:
            path.unlink(missing_ok=True)
            continue
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_bytes(b"".join(keep))
        os.replace(temporary, path)
    return removed


def expire_mail(now: dt.datetime, *, dry_run: bool = False) -> int:
    """Delete the stored mail files last written more than ``SAMVERKA_RETENTION_MAIL_DAYS``
    ago (0: keep them); return how many."""
    days = settings.SAMVERKA_RETENTION_MAIL_DAYS
    if days <= 0:
        return 0
    cutoff = (now - dt.timedelta(days=days)).timestamp()
    expired = [path for path in _mail_files() if path.stat().st_mtime < cutoff]
    if not dry_run:
        for path in expired:
            path.unlink(missing_ok=True)
    return len(expired)
