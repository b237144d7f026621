"""Read errors as msgids: every RecordError of io.py is a literal template whose params it is given."""
import ast
import re
from pathlib import Path

import pytest

from ecgsignal import MSGID_PARAMS, RecordError, UnsupportedFormat, read_header, read_record, render_message

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "signal/ecgsignal/io.py", ROOT / "signal/ecgsignal/formats.py"]
FIXTURES = ROOT / "tests/fixtures"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _raise_sites():
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("RecordError", "UnsupportedFormat"):
                yield path.name, node


def _extracted() -> set:
    from babel.messages.extract import extract_from_file

    return {msg for path in SOURCES for _line, msg, _comments, _context in
            extract_from_file("python", str(path), keywords={"N_": None})}


def test_every_raise_site_is_a_literal_template_with_its_params():
    """Is each RecordError of io.py an N_ literal whose %(name)s placeholders are all given (no KeyError)?"""
    sites = list(_raise_sites())
    assert len(sites) >= 85
    for file, call in sites:
        where = f"{file}:{call.lineno}"
        template = call.args[0]
        assert isinstance(template, ast.Call) and template.func.id == "N_", where
        assert isinstance(template.args[0], ast.Constant) and isinstance(template.args[0].value, str), where
        text = template.args[0].value
        given = {k.arg for k in call.keywords if k.arg is not None}
        spread = any(k.arg is None for k in call.keywords)  # **details of formats.to_record's refusal
        needed = set(PLACEHOLDER.findall(text))
        assert needed <= given or spread, (where, needed - given)
        assert given <= needed, (where, given - needed)  # no param the sentence forgets to show
        assert "%" not in PLACEHOLDER.sub("", text), (where, "a bare % in a msgid")


def test_formats_refusals_are_templates_with_their_params():
    """Does formats.to_record refuse with (msgid, params) whose placeholders are all given?"""
    for node in ast.walk(ast.parse(SOURCES[1].read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "ValueError" and node.args \
                and isinstance(node.args[0], ast.Call) and getattr(node.args[0].func, "id", None) == "N_":
            text = node.args[0].args[0].value
            keys = {k.value for k in node.args[1].keys}
            assert set(PLACEHOLDER.findall(text)) == keys, node.lineno


def _csv(tmp_path, text, name="ecg.csv"):
    p = tmp_path / name
    p.write_bytes(text)
    return p


BAD = {
    "missing file": lambda t: (t / "nope.edf", {}),
    "empty file": lambda t: (_csv(t, b"", "x.edf"), {}),
    "folder": lambda t: ((t / "d.edf").mkdir() or t / "d.edf", {}),
    "a printout": lambda t: (_csv(t, b"%PDF-1.4 x", "ecg.pdf"), {}),
    "a zip": lambda t: (_csv(t, b"PK\x03\x04 x", "ecg.zip"), {}),
    "annotation": lambda t: (_csv(t, b"x", "100.atr"), {}),
    "dat without hea": lambda t: (_csv(t, b"\x01\x02" * 100, "r.dat"), {}),
    "csv text": lambda t: (_csv(t, b"I,II\n0.1,0.2\n0.1,abc\n"), {"fs": 500}),
    "csv short row": lambda t: (_csv(t, b"I,II\n0.1,0.2\n0.1\n"), {"fs": 500}),
    "csv no rate": lambda t: (_csv(t, b"I,II\n0.1,0.2\n"), {}),
    "csv slow": lambda t: (_csv(t, b"I,II\n0.1,0.2\n0.3,0.1\n"), {"fs": 10}),
    "csv bad rate": lambda t: (_csv(t, b"I,II\n0.1,0.2\n"), {"fs": "fast"}),
    "csv empty column name": lambda t: (_csv(t, b"I,,II\n0.1,0.2,0.3\n"), {"fs": 500}),
    "csv no data rows": lambda t: (_csv(t, b"I,II\n"), {"fs": 500}),
    "csv dead lead": lambda t: (_csv(t, b"I,II\n0.1,nan\n0.2,nan\n0.1,nan\n"), {"fs": 500}),
    "edf not edf": lambda t: (_csv(t, b"0       " + b"x" * 300, "x.edf"), {}),
    "hea garbage": lambda t: (_csv(t, b"hello world\n", "r.hea"), {}),
    "hea missing dat": lambda t: (_csv(t, b"r 1 360 1000\nr.dat 16 200 11 1024 0 0 0 I\n", "r.hea"), {}),
    "window outside": lambda t: (FIXTURES / "mitdb_100_60s.hea", {"start_sample": 10**7, "stop_sample": 10**7 + 5}),
}


@pytest.mark.parametrize("name", BAD)
def test_raised_errors_render_with_their_params(tmp_path, name):
    """Does each error render from its template and params, in English and through a translator?"""
    path, kwargs = BAD[name](tmp_path)
    reader = read_record if "start_sample" in kwargs or "fs" in kwargs else read_header
    with pytest.raises(RecordError) as caught:
        reader(path, **kwargs)
    exc = caught.value
    assert exc.message == render_message(exc.template, exc.params) == str(exc)
    assert "%(" not in exc.message
    msgids = _extracted()
    assert exc.template in msgids
    for key in MSGID_PARAMS & set(exc.params):
        assert exc.params[key] in msgids, key  # a description, the advice, the accepted formats
    marked = render_message(exc.template, exc.params, lambda text: f"<{text}>")
    assert marked.startswith("<") and "%(" not in marked
    for key in MSGID_PARAMS & set(exc.params):
        assert f"<{exc.params[key] % exc.params}>" in marked
    if "name" in exc.params:
        assert exc.params["name"] in exc.message and exc.params["name"] not in exc.template


def test_unsupported_format_is_a_record_error_with_a_template():
    """Is UnsupportedFormat still a RecordError that carries its msgid?"""
    assert issubclass(UnsupportedFormat, RecordError)
    err = UnsupportedFormat("The file %(name)s was not found (it may not have been uploaded).", name="a.edf")
    assert err.message == "The file a.edf was not found (it may not have been uploaded)."
    assert err.template.startswith("The file %(name)s") and err.params == {"name": "a.edf"}


def test_a_problem_from_formats_names_its_leads():
    """Does a nested msgid (formats.to_record's refusal) take the params of the error it sits in?"""
    err = RecordError("%(name)s (%(format)s) cannot be used: %(problem)s.", name="a.scp", format="SCP-ECG",
                      problem="it does not say how its numbers convert to millivolts (leads %(leads)s)",
                      leads="I, II")
    assert err.message == ("a.scp (SCP-ECG) cannot be used: it does not say how its numbers convert to "
                           "millivolts (leads I, II).")
    assert "%" not in err.message
