"""The graphql-http audit suite (GraphQL over HTTP spec conformance), run by Node against the real server."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

AUDIT_DIR = Path(__file__).resolve().parent.parent / "http_audit"
AUDITS = 61  # graphql-http 1.23.1, pinned in tests/http_audit/package.json
SUMMARY = re.compile(r"^(\d+) of (\d+) audits ok$", re.MULTILINE)


def test_every_audit_is_ok(server: str) -> None:
    node = shutil.which("node")
    assert node is not None, "the audit needs Node.js (18 or later) on the PATH"
    assert (AUDIT_DIR / "node_modules" / "graphql-http").is_dir(), (
        "the audit's packages are missing: run `npm ci --prefix tests/http_audit` (`make test` does)"
    )
    run = subprocess.run(
        [node, str(AUDIT_DIR / "audit.mjs"), f"{server}/graphql"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    failures = [line for line in run.stdout.splitlines() if line.startswith(("warn ", "error "))]
    assert not failures, "\n".join(failures)
    summary = SUMMARY.search(run.stdout)
    assert summary is not None, run.stdout + run.stderr
    assert (int(summary[1]), int(summary[2])) == (AUDITS, AUDITS)
    assert run.returncode == 0, run.stderr
