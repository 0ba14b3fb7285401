"""Fail a CI pass on any skipped test that its list of expected skips does not name.

Usage: ``python .ci/check_skips.py RESULTS.xml EXPECTED.txt`` — RESULTS.xml is pytest's
``--junitxml`` report of one pass; EXPECTED.txt has one test id or ``fnmatch`` pattern a line
(``tests/core/test_x.py::test_y``, ``tests/core/test_x.py::test_z[*]``), each followed by
``# why it skips in this pass``. A test that skips without being listed is a test that
silently stopped running (a service not started, a library missing): exit 1 and name it.
Listed tests that ran are only reported, since a list entry may cover a parametrised family.
"""

from __future__ import annotations

import fnmatch
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def node_id(classname: str, name: str) -> str:
    """pytest's test id from a junit ``classname`` ("tests.core.test_x.TestY") and ``name``."""
    parts = classname.split(".")
    for cut in range(len(parts), 0, -1):
        module = Path(*parts[:cut]).with_suffix(".py")
        if (ROOT / module).is_file():
            return "::".join([module.as_posix(), *parts[cut:], name])
    return f"{classname}::{name}"


def skipped(results: Path) -> dict[str, str]:
    """Every skipped test of the report, with its reason."""
    found = {}
    # pytest wrote the report in this very run: trusted input.
    for case in ET.parse(results).getroot().iter("testcase"):  # noqa: S314
        skip = case.find("skipped")
        if skip is not None:
            nodeid = node_id(case.get("classname", ""), case.get("name", ""))
            found[nodeid] = skip.get("message", "")
    return found


def expected(listing: Path) -> list[str]:
    patterns = []
    for line in listing.read_text(encoding="utf-8").splitlines():
        pattern, _, why = line.partition("#")
        if pattern.strip():
            if not why.strip():
                raise SystemExit(f"{listing}: say why {pattern.strip()} is expected to skip")
            patterns.append(pattern.strip())
    return patterns


def main(results: Path, listing: Path) -> int:
    patterns = expected(listing)
    found = skipped(results)
    unexpected = {
        test: reason
        for test, reason in found.items()
        if not any(fnmatch.fnmatchcase(test, pattern) for pattern in patterns)
    }
    unused = [p for p in patterns if not any(fnmatch.fnmatchcase(t, p) for t in found)]
    for pattern in unused:
        print(f"ci: listed in {listing.name}, did not skip: {pattern}", file=sys.stderr)
    if unexpected:
        print(f"ci: {len(unexpected)} unexpected skip(s), not in {listing}:", file=sys.stderr)
        for test, reason in sorted(unexpected.items()):
            print(f"ci:   SKIPPED {test}: {reason}", file=sys.stderr)
        return 1
    print(f"ci: {len(found)} skip(s), all expected ({listing.name})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
