"""Who may import whom: services announce domain events and never import the live layer."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def test_services_never_import_the_realtime_layer():
    """Does no module under telemed/services import telemed.realtime (or Socket.IO)?"""
    offenders = {p.name: sorted(n for n in _imports(p) if n.startswith(("telemed.realtime", "flask_socketio")))
                 for p in (ROOT / "telemed" / "services").glob("*.py")}
    assert not {k: v for k, v in offenders.items() if v}


def test_models_never_import_services_at_module_level():
    """Do models stay below services (a lazy import inside a function is allowed for errors)?"""
    for path in (ROOT / "telemed" / "models").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        assert not any(getattr(n, "module", "") and n.module.startswith("telemed.services") for n in top), path.name


def test_roles_are_switched_on_in_one_place():
    """Do templates and scripts ask the access policy (`can`) instead of comparing roles themselves?"""
    import re

    role_switch = re.compile(r"role\s*(==|!=|===|!==|\bin\b|\bnot in\b)")
    offenders = []
    for path in list((ROOT / "templates").rglob("*.html")) + list((ROOT / "static" / "js").rglob("*.js")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if role_switch.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, offenders
