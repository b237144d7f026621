"""Back to the hospital systems: a FHIR R4 Bundle of a case and a zip with the originals, a WFDB
record and a WFDB annotation file of the beats and the readers' annotations."""
from __future__ import annotations

import datetime as dt
import uuid
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from telemed.extensions import db
from telemed.models import Case
from telemed.models._time import iso
from telemed.services import audit
from telemed.services.access import get_visible_case
from telemed.services.analysis import cached_samples
from telemed.services.annotations import list_annotations
from telemed.storage import blob_store
from telemed.vocabulary import RECOMMENDATIONS, STATEMENTS

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
MDC = "urn:iso:std:iso:11073:10101"
VOCABULARY = "https://telemed.invalid/fhir/CodeSystem/ecg-statements"   # our statement codes
PATIENT_REF = "https://telemed.invalid/fhir/NamingSystem/clinic-patient-ref"
# LOINC codes of the ECG measurements (LOINC "EKG" panel) and their UCUM units.
MEASUREMENTS = [
    ("heart_rate_bpm", "8867-4", "Heart rate", "/min"),
    ("pr_ms", "8625-6", "P-R Interval", "ms"),
    ("qrs_ms", "8633-0", "QRS duration", "ms"),
    ("qt_ms", "8634-8", "Q-T interval", "ms"),
    ("qtc_ms", "8636-3", "Q-T interval corrected", "ms"),
    ("axis_deg", "8632-2", "QRS axis", "deg"),
]
# ISO/IEEE 11073-10101 (MDC) lead codes, as HL7 aECG and DICOM use them.
MDC_LEADS = {"I": 131329, "II": 131330, "V1": 131331, "V2": 131332, "V3": 131333, "V4": 131334, "V5": 131335,
             "V6": 131336, "III": 131389, "AVR": 131390, "AVL": 131391, "AVF": 131392}
WAVEFORM_S = 10.0   # the FHIR waveform carries a 10-s strip; the whole record is in export.zip


def urn(resource_id: str) -> str:
    """A stable urn:uuid for a resource of the bundle (the same case gives the same ids)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'telemed:' + resource_id)}"


def _audited_case(case_id: int, user, action: str) -> Case:
    case = get_visible_case(case_id, user)
    audit.record(user, action, case.id)
    db.session.commit()
    return case


def fhir_bundle(case_id: int, user) -> dict:
    """A FHIR R4 collection Bundle: Patient, Practitioner, DiagnosticReport, measurement and waveform Observations."""
    case = _audited_case(case_id, user, "fhir_exported")
    patient_id, report_id = f"patient-{case.id}", f"report-{case.id}"
    entries = [_patient(case, patient_id)]
    results = []
    analysis = case.analysis
    if analysis is not None:
        values = {**(analysis.measurements or {}), "heart_rate_bpm": analysis.heart_rate_bpm}
        for key, code, display, unit in MEASUREMENTS:
            if values.get(key) is None:
                continue
            obs_id = f"obs-{case.id}-{key.replace('_', '-')}"
            entries.append({"fullUrl": urn(obs_id), "resource": {
                "resourceType": "Observation", "id": obs_id, "status": "final",
                "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                          "code": "procedure"}]}],
                "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
                "subject": {"reference": urn(patient_id)},
                "effectiveDateTime": _when(case),
                "valueQuantity": {"value": round(float(values[key]), 1), "unit": unit, "system": UCUM, "code": unit}}})
            results.append({"reference": urn(obs_id)})
    if case.recording is not None:
        waveform = _waveform(case, patient_id)
        entries.append(waveform)
        results.append({"reference": waveform["fullUrl"]})
    report = case.report
    if report is not None:
        signer_id = f"practitioner-{report.signed_by.id}"
        entries.append({"fullUrl": urn(signer_id), "resource": {
            "resourceType": "Practitioner", "id": signer_id,
            "name": [{"text": report.signed_by.full_name or report.signed_by.username}]}})
    entries.append({"fullUrl": urn(report_id), "resource": _diagnostic_report(case, report_id, patient_id,
                                                                                         results)})
    return {"resourceType": "Bundle", "id": f"case-{case.id}", "type": "collection",
            "timestamp": iso(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)), "entry": entries}


def _when(case: Case) -> str:
    return iso(case.recording.start_time if case.recording and case.recording.start_time else case.created_at)


def _patient(case: Case, patient_id: str) -> dict:
    resource = {"resourceType": "Patient", "id": patient_id,
                "identifier": [{"system": f"{PATIENT_REF}/clinic-{case.clinic_id}", "value": case.patient_ref}],
                "managingOrganization": {"display": case.clinic.name}}
    if case.sex in ("M", "F"):
        resource["gender"] = "male" if case.sex == "M" else "female"
    return {"fullUrl": urn(patient_id), "resource": resource}


def _diagnostic_report(case: Case, report_id: str, patient_id: str, results: list) -> dict:
    report = case.report
    resource = {
        "resourceType": "DiagnosticReport", "id": report_id,
        "status": "final" if report else "preliminary",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "EC",
                                  "display": "Electrocardiac (e.g., EKG, EEC, Holter)"}]}],
        "code": {"coding": [{"system": LOINC, "code": "11524-6", "display": "EKG study"}]},
        "subject": {"reference": urn(patient_id)},
        "effectiveDateTime": _when(case),
        "result": results,
    }
    if report is not None:
        resource["issued"] = iso(report.signed_at).replace("Z", "+00:00")
        resource["resultsInterpreter"] = [{"reference": urn(f"practitioner-{report.signed_by.id}")}]
        recommendation = RECOMMENDATIONS.get(report.recommendation)
        resource["conclusion"] = report.diagnosis + (f" {recommendation.zh_CN} / {recommendation.en}"
                                                     if recommendation else "")
        resource["conclusionCode"] = [
            {"coding": [{"system": VOCABULARY, "code": code, "display": STATEMENTS[code].en}],
             "text": STATEMENTS[code].zh_CN} for code in report.statements if code in STATEMENTS]
    return resource


def _waveform(case: Case, patient_id: str) -> dict:
    """A 10-s strip as an Observation with one SampledData component per lead (MDC lead codes)."""
    rec = case.recording
    samples = cached_samples(case)
    n = min(samples.shape[0], int(WAVEFORM_S * rec.fs))
    strip = np.nan_to_num(np.asarray(samples[:n], dtype=np.float64))
    components = []
    for i, name in enumerate(rec.lead_names):
        code = MDC_LEADS.get(name.upper())
        coding = ([{"system": MDC, "code": str(code), "display": f"MDC_ECG_LEAD_{name.upper()}"}] if code
                  else [{"system": "https://telemed.invalid/fhir/CodeSystem/lead", "code": name}])
        digital = np.round(strip[:, i] * 1000).astype(np.int64)  # microvolts
        components.append({"code": {"coding": coding, "text": name}, "valueSampledData": {
            "origin": {"value": 0, "unit": "uV", "system": UCUM, "code": "uV"},
            "period": round(1000.0 / rec.fs, 6), "factor": 1, "dimensions": 1,
            "data": " ".join(map(str, digital.tolist()))}})
    obs_id = f"obs-{case.id}-waveform"
    return {"fullUrl": urn(obs_id), "resource": {
        "resourceType": "Observation", "id": obs_id, "status": "final",
        "code": {"coding": [{"system": MDC, "code": "131328", "display": "MDC_ECG_ELEC_POTL"}],
                 "text": f"ECG waveform, first {n / rec.fs:.1f} s"},
        "subject": {"reference": urn(patient_id)}, "effectiveDateTime": _when(case),
        "component": components}}


BEAT_SYMBOLS = {"N": "N", "V": "V", "S": "A", "Q": "Q"}  # ecgsignal labels -> WFDB beat codes


def export_zip(case_id: int, user) -> tuple[tempfile.SpooledTemporaryFile, str]:
    """The originals as uploaded, a WFDB record (format 16, µV resolution) and a WFDB annotation file
    ("telemed"): detected beats, and each reader's annotation as a comment at its start. Spooled to
    disk past 16 MB, so a 24-hour Holter does not sit in memory."""
    import wfdb

    case = _audited_case(case_id, user, "case_exported")
    rec = case.recording
    name = f"case{case.id}"
    out = tempfile.SpooledTemporaryFile(max_size=16 * 2**20)
    with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        with blob_store().materialize([(f.name, f.sha256) for f in rec.files]) as originals:
            for f in rec.files:
                zf.write(Path(originals) / f.name, f"original/{f.name}")
        samples = np.nan_to_num(np.asarray(cached_samples(case), dtype=np.float64))
        names = [n.replace(" ", "_") or f"lead{i}" for i, n in enumerate(rec.lead_names)]
        wfdb.wrsamp(name, fs=rec.fs, units=["mV"] * len(names), sig_name=names, p_signal=samples,
                    fmt=["16"] * len(names), adc_gain=[1000.0] * len(names), baseline=[0] * len(names),
                    write_dir=folder)
        positions, symbols, notes = _annotations(case)
        if positions:
            wfdb.wrann(name, "telemed", np.asarray(positions, dtype=np.int64), symbol=symbols, aux_note=notes,
                       write_dir=folder, fs=rec.fs)
        for path in sorted(Path(folder).iterdir()):
            zf.write(path, f"wfdb/{path.name}")
    out.seek(0)
    return out, f"ecg-case-{case.id}.zip"


def _annotations(case: Case) -> tuple[list[int], list[str], list[str]]:
    rec = case.recording
    events: list[tuple[int, str, str]] = []
    if case.analysis is not None:
        beats = case.analysis.detail().get("beats", {})
        for sample, label in zip(beats.get("sample", []), beats.get("label", [])):
            events.append((int(sample), BEAT_SYMBOLS.get(label, "Q"), ""))
    for a in list_annotations(case):
        author = a.author.full_name or a.author.username
        note = f"{a.label} ({a.end_s - a.start_s:.3f} s, {a.lead or 'all leads'}, {author})"
        events.append((int(round(a.start_s * rec.fs)), '"', note))
    events = [e for e in events if 0 <= e[0] < rec.n_samples]
    events.sort(key=lambda e: e[0])
    return [e[0] for e in events], [e[1] for e in events], [e[2] for e in events]
