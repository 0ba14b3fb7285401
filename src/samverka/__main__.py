"""The ``samverka`` command: Django's manage.py under the project's own name."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command, e.g. ``samverka migrate`` or ``samverka import organisations F``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverka.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["samverka", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
