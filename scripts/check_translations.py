"""Check that the Swedish catalogue is complete: exit 1 if any message is untranslated.

A message counts as untranslated when its msgstr is empty (for plurals: any form is empty)
or when it is marked fuzzy. Babel's own checks (placeholders, number of plural forms) are
reported too. Run it from the repository root::

    .venv/bin/python scripts/check_translations.py [path/to/django.po ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PO = ROOT / "src" / "samverka" / "locale" / "sv" / "LC_MESSAGES" / "django.po"


def problems(po_path: Path) -> list[str]:
    with po_path.open("rb") as f:
        catalog = read_po(f)
    found = []
    for message in catalog:
        if not message.id:
            continue
        label = message.id[0] if isinstance(message.id, tuple) else message.id
        if message.context:
            label = f"[{message.context}] {label}"
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(forms):
            found.append(f"untranslated: {label!r}")
        elif message.fuzzy:
            found.append(f"fuzzy: {label!r}")
    for message, errors in catalog.check():
        label = message.id[0] if isinstance(message.id, tuple) else message.id
        found.extend(f"{error}: {label!r}" for error in errors)
    return found


def main(argv: list[str]) -> int:
    paths = [Path(arg) for arg in argv] or [DEFAULT_PO]
    status = 0
    for path in paths:
        for problem in problems(path):
            print(f"{path}: {problem}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
