"""Fixtures of the importer property tests; the strategies and properties are in fuzz_support."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # ``import fuzz_support`` from the test modules
