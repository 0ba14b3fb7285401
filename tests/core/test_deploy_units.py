"""The systemd units docs/operations.md ships (docs/deploy/) pass ``systemd-analyze verify``,
with their paths pointed at this installation (the documented /srv/samverka does not exist here).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy"
UNITS = [
    "samverka-web.service",
    "samverka-worker.service",
    "samverka-backup.service",
    "samverka-backup.timer",
]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_units_pass_systemd_analyze_verify(tmp_path):
    samverka = str(Path(sys.executable).with_name("samverka"))
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        text = text.replace("/srv/samverka/venv/bin/samverka", samverka)
        text = text.replace("User=samverka", "User=root").replace("Group=samverka", "Group=root")
        (tmp_path / name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / n) for n in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout + done.stderr == ""
