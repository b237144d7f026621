"""The API described (OpenAPI), and cases back to the hospital systems (FHIR R4, WFDB export)."""
import io
import zipfile

import numpy as np
import pytest
import wfdb

from tests.factories import gen_case
from tests.web.helpers import login_client

REPORT = {"diagnosis": "窦性心律", "recommendation": "ROUTINE", "statements": ["SR", "PVC"]}


def test_every_api_route_is_documented(app, client):
    """Does the OpenAPI document describe every route of the JSON API, with its methods?"""
    from telemed.api.openapi import ENDPOINTS, api_rules

    missing = sorted({r.endpoint for r in api_rules(app)} - set(ENDPOINTS))
    assert not missing, f"undocumented API routes (add them to telemed/api/openapi.ENDPOINTS): {missing}"
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    for rule in api_rules(app):
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in doc["paths"][path], (method, path)
    upload = doc["paths"]["/api/v1/cases"]["post"]
    assert {"clinicToken": []} in upload["security"] and "multipart/form-data" in upload["requestBody"]["content"]


def test_openapi_document_is_valid(client):
    """Is the document valid OpenAPI 3.1 (when openapi-spec-validator is installed)?"""
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(client.get("/api/v1/openapi.json").get_json())


@pytest.fixture
def reported(app, world, client):
    case = gen_case(client, patient_ref="FHIR-1")
    cardio = login_client(app, "cardio")
    cardio.post(f"/api/v1/cases/{case['id']}/claim")
    cardio.post(f"/api/v1/cases/{case['id']}/annotations",
                json={"lead": None, "start_s": 2.0, "end_s": 2.8, "label": "PVC couplet", "text": ""})
    assert cardio.post(f"/api/v1/cases/{case['id']}/report", json=REPORT).status_code == 201
    return case


def test_fhir_bundle_validates(app, reported):
    """Is the case a valid FHIR Bundle with the report, LOINC measurements and the waveform by MDC lead code?"""
    bundle_cls = pytest.importorskip("fhir.resources.R4B.bundle").Bundle
    response = login_client(app, "doctor").get(f"/api/v1/cases/{reported['id']}/fhir")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    body = response.get_json()
    bundle = bundle_cls.model_validate(body)
    resources = {}
    for entry in bundle.entry:
        resources.setdefault(entry.resource.__resource_type__, []).append(entry.resource)
    report = resources["DiagnosticReport"][0]
    assert report.status == "final" and report.conclusion.startswith("窦性心律")
    assert {c.coding[0].code for c in report.conclusionCode} == {"SR", "PVC"}
    loinc = {o.code.coding[0].code for o in resources["Observation"] if o.code.coding[0].system == "http://loinc.org"}
    assert {"8867-4", "8633-0"} <= loinc
    waveform = next(o for o in resources["Observation"] if o.component)
    leads = {c.code.coding[0].code for c in waveform.component}
    assert "131330" in leads or len(leads) == 2   # MLII/V1 of MIT-BIH have no standard MDC code
    data = waveform.component[0].valueSampledData
    assert len(data.data.split()) == pytest.approx(10 * 360, abs=1)
    assert resources["Patient"][0].identifier[0].value == "FHIR-1"
    assert login_client(app, "othercardio").get(f"/api/v1/cases/{reported['id']}/fhir").status_code == 404


def test_export_zip_has_originals_wfdb_and_annotations(app, reported, tmp_path):
    """Does the export hold the originals, a WFDB record that reads back, and the beats and readers' annotations?"""
    response = login_client(app, "cardio").get(f"/api/v1/cases/{reported['id']}/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    payload = response.data
    response.close()  # the WSGI server's job: closes the spooled file behind the download
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        names = zf.namelist()
        assert {"original/mitdb_100_60s.hea", "original/mitdb_100_60s.dat"} <= set(names)
        zf.extractall(tmp_path)
    stem = str(tmp_path / "wfdb" / f"case{reported['id']}")
    record = wfdb.rdrecord(stem)
    assert record.fs == 360 and record.sig_len == 60 * 360
    original = wfdb.rdrecord("tests/fixtures/mitdb_100_60s")
    np.testing.assert_allclose(record.p_signal, original.p_signal, atol=0.002)
    ann = wfdb.rdann(stem, "telemed")
    beats = [s for s in ann.symbol if s in "NVAQ"]
    assert 60 <= len(beats) <= 90
    assert any("PVC couplet" in note for note in ann.aux_note)
    assert login_client(app, "othercardio").get(f"/api/v1/cases/{reported['id']}/export.zip").status_code == 404


def test_json_bodies_are_bounded(app, world):
    """Is an oversized JSON body refused with 413 before it is parsed?"""
    cardio = login_client(app, "cardio")
    big = {"text": "x" * (300 * 1024)}
    response = cardio.post("/api/v1/cases/1/messages", json=big)
    assert response.status_code == 413 and response.get_json()["code"] == "request_too_large"
