"""Workflows that change several rows: each runs in one transaction, or not at all.

Split by capability: ``cycles`` (starting an assessment, saving answers, evidence, the next
cycle), ``joint`` (signatures, comments, sign-off, reopening) and ``plans`` (joint action
plans), on what they share in ``common``. Callers import from here.
"""

from .common import (
    MANAGEMENT,
    RESPONSE_FIELDS,
    STAFF_SIDE,
    AssessmentExists,
    AssessmentLocked,
    Conflict,
    ContentChanged,
    NotAllowed,
    SaveResult,
)
from .cycles import (
    add_evidence_file,
    add_evidence_link,
    remove_evidence_file,
    remove_evidence_link,
    save_response,
    start_assessment,
    start_next_cycle,
)
from .joint import (
    add_comment,
    confirm_reopen,
    record_staff_rating,
    request_reopen,
    sign_off,
    staff_side_sign,
    submit_response,
    unsettled_criteria,
    withdraw_reopen,
)
from .plans import post_action_update, remove_action, save_action, sign_plan

__all__ = [
    "MANAGEMENT",
    "RESPONSE_FIELDS",
    "STAFF_SIDE",
    "AssessmentExists",
    "AssessmentLocked",
    "Conflict",
    "ContentChanged",
    "NotAllowed",
    "SaveResult",
    "add_comment",
    "add_evidence_file",
    "add_evidence_link",
    "confirm_reopen",
    "post_action_update",
    "record_staff_rating",
    "remove_action",
    "remove_evidence_file",
    "remove_evidence_link",
    "request_reopen",
    "save_action",
    "save_response",
    "sign_off",
    "sign_plan",
    "staff_side_sign",
    "start_assessment",
    "start_next_cycle",
    "submit_response",
    "unsettled_criteria",
    "withdraw_reopen",
]
