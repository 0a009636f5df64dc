"""JSON schemas of the API: the OpenAPI components, and what request bodies are checked against."""
import states

from ..errors import ERROR_CODES
from .spec import ref

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
NULLABLE_STR = {"type": ["string", "null"]}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
STATES = list(states.ALL_STATES)
TRIGGERS = sorted({t for w in states.WORKFLOWS.values() for t in w.triggers()})
LEVEL = {"type": "string", "enum": ["province", "district", "commune"]}


def obj(properties: dict, required=None, additional: bool = True) -> dict:
    schema = {"type": "object", "properties": properties,
              "required": list(properties) if required is None else list(required)}
    if not additional:
        schema["additionalProperties"] = False
    return schema


LINK = obj({"map": STR, "code": STR, "name": STR, "level": LEVEL, "whole": BOOL})
BLOCKER = obj({"criterion": NULLABLE_STR, "reason": STR, "field": STR}, required=["criterion", "reason"])

COMPONENTS = {
    "Error": obj({"error": {"type": "string", "enum": ERROR_CODES}, "message": STR,
                  "fields": {"type": "object", "additionalProperties": STR},
                  "blockers": {"type": "array", "items": BLOCKER}}, required=["error", "message"]),
    "Blocker": BLOCKER,
    "Token": obj({"token": STR, "expires_at": DATETIME}),
    "Me": obj({"username": STR, "full_name": STR, "role": STR, "unit_code": STR}),
    "Unit": obj({"map": {"type": "string", "enum": ["legacy", "2025"]}, "code": STR, "name": STR, "type": STR,
                 "level": LEVEL, "parent_code": NULLABLE_STR,
                 "valid_from": NULLABLE_DATE, "valid_to": NULLABLE_DATE,
                 "predecessors": {"type": "array", "items": LINK, "description": "The units it was formed from; "
                                  "whole: false when it took a part of one."},
                 "successors": {"type": "array", "items": LINK, "description": "The units it became."}}),
    "CriteriaSetSummary": obj({"code": STR, "name": STR, "level": STR, "version": STR, "criteria_count": INT}),
    "CriteriaSet": obj({
        "code": STR, "name": STR, "version": STR, "level": STR,
        "source": {"type": "object"},
        "groups": {"type": "array", "items": obj({"code": STR, "title": STR})},
        "criteria": {"type": "array", "items": obj({
            "code": STR, "group": STR,
            "text": {"type": "string", "description": "The criterion's words, verbatim, as plain text."},
            "text_html": {"type": "string", "description": "The same words as HTML: escaped, with the source's "
                          "italics as <em> and its line breaks as <br>; nothing else."},
            "requirements": {"type": "array", "items": {"type": "object"}}})},
        "inputs": {"type": "array", "items": obj({"name": STR, "type": STR, "label": STR},
                                                 required=["name", "type", "label"])},
    }, required=["code", "name", "version", "source", "groups", "criteria", "inputs"]),
    "Evidence": obj({"id": INT, "filename": STR, "size": INT, "sha256": STR, "document_type": STR,
                     "issued_on": {"type": ["string", "null"], "format": "date"}, "criterion": NULLABLE_STR},
                    required=["id", "filename", "size", "sha256", "document_type", "issued_on"]),
    "Dossier": obj({
        "id": INT, "unit_code": STR, "unit_name": STR, "criteria_set": STR, "criteria_set_version": STR,
        "year": INT, "state": {"type": "string", "enum": STATES}, "version": INT,
        "values": {"type": "object"},
        "criteria": {"type": "array", "items": obj({
            "code": STR, "group": STR, "status": {"type": "string", "enum": ["met", "not_met", "incomplete"]},
            "reason": STR,
            "attestation": {"oneOf": [{"type": "null"}, obj({"met": BOOL, "note": STR})]},
            "verdicts": {"type": "array", "items": obj({"level": STR, "agree": BOOL, "comment": STR})},
        })},
        "evidence": {"type": "array", "items": ref("Evidence")},
        "transitions": {"type": "array", "items": obj({"trigger": STR, "allowed": BOOL,
                                                        "blockers": {"type": "array", "items": ref("Blocker")}})},
        "history": {"type": "array", "items": {"type": "object"}},
    }),
    "DossierPage": obj({"items": {"type": "array", "items": ref("Dossier")}, "total": INT, "page": INT, "per_page": INT}),
    "AuditEntry": obj({
        "seq": INT, "at": DATETIME, "actor": STR, "role": STR, "dossier_id": {"type": ["integer", "null"]},
        "unit_code": NULLABLE_STR, "action": STR, "from_state": NULLABLE_STR, "to_state": NULLABLE_STR,
        "comment": STR, "snapshot": {"type": ["array", "null"]}, "hash": STR, "prev_hash": STR,
    }),
    "AuditPage": obj({"items": {"type": "array", "items": ref("AuditEntry")}, "total": INT, "page": INT, "per_page": INT}),
    "AuditVerify": obj({"ok": BOOL, "entries": INT, "first_bad_seq": {"type": ["integer", "null"]}}),
}

TEXT = {"type": "string", "maxLength": 4000}
VERSION = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
BODIES = {
    "token": obj({"username": {"type": "string", "maxLength": 64}, "password": {"type": "string", "maxLength": 256}},
                 additional=False),
    "open": obj({"unit_code": {"type": "string", "maxLength": 8}, "criteria_set": {"type": "string", "maxLength": 40},
                 "year": {"type": "integer", "minimum": 2000, "maximum": 2100}}, required=["criteria_set", "year"],
                additional=False),
    "data": obj({"version": VERSION, "values": {"type": "object"}}, required=["values"], additional=False),
    "attestation": obj({"met": BOOL, "note": TEXT, "version": VERSION}, required=["met"], additional=False),
    "verdict": obj({"agree": BOOL, "comment": TEXT, "version": VERSION}, required=["agree"], additional=False),
    "evidence": obj({"document_type": {"type": "string", "maxLength": 40}, "issued_on": {"type": ["string", "null"], "format": "date"},
                     "version": VERSION}, required=[], additional=False),
    "transition": obj({"comment": TEXT, "version": VERSION, "decision_number": {"type": "string", "maxLength": 60},
                       "decision_date": DATE, "authority": {"type": "string", "maxLength": 200}},
                      required=[], additional=False),
}
EVIDENCE_UPLOAD = obj({"file": {"type": "string", "format": "binary"}, "document_type": STR, "issued_on": DATE,
                       "criterion": STR, "version": VERSION}, required=["file", "document_type"])
