"""The viewer's JavaScript unit tests (tests/js/, Node's own runner) as part of `make test`.

Skipped when `node` is missing, except with TELEMED_REQUIRE_SERVICES=1 (CI), where that fails.
"""
import shutil
import subprocess
from pathlib import Path

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[1]


def test_node_unit_tests_pass():
    node = shutil.which("node")
    require_service("Node.js", node is not None, "apt-get install nodejs (Node 18+ for node --test)")
    # Explicit files: Node 18 (Debian 12) takes directories, Node 21+ takes glob patterns.
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "js").glob("*.test.mjs"))
    assert files
    r = subprocess.run([node, "--test", *files], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "# fail 0" in r.stdout
