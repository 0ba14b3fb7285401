"""Running a ``samverka`` command in-process the way a shell sees it (exit status and streams)."""

from __future__ import annotations

import io

from django.core.management import call_command


def run_command(name: str, *args: str) -> tuple[int, str, str]:
    """Run ``samverka NAME ARGS``; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()
