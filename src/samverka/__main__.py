"""The ``samverka`` command: Django's manage.py under the project's own name."""

from __future__ import annotations

import os
import sys


def cli_language(environ: dict[str, str] | os._Environ[str] = os.environ) -> str:
    """The language of command-line messages: ``SAMVERKA_LANGUAGE``, else the POSIX locale
    (LC_ALL, LC_MESSAGES, LANG) when it is Swedish, else English."""
    if explicit := environ.get("SAMVERKA_LANGUAGE", "").strip():
        return "sv" if explicit.lower().startswith("sv") else "en"
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := environ.get(name, "").strip():
            return "sv" if value.lower().startswith("sv") else "en"
    return "en"


def main(argv: list[str] | None = None) -> None:
    """Run a management command, e.g. ``samverka migrate`` or ``samverka import organisations F``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverka.settings")
    import django
    from django.core.management import execute_from_command_line
    from django.utils import translation

    django.setup()
    translation.activate(cli_language())
    execute_from_command_line(["samverka", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
