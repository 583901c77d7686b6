"""Storing a case study's attachment: checked as evidence is, named by us, never by the user."""

import re
import uuid

from django.core.files.storage import default_storage

from . import services


def storage_name(organisation, extension: str) -> str:
    folder = organisation.ods_code
    if not re.fullmatch(r"[A-Z0-9]+", folder or ""):
        folder = organisation.pk.hex
    return f"case-studies/{folder}/{uuid.uuid4()}.{extension}"


def store_attachment(case_study, upload, checked, *, user):
    """Save the file, then attach it; if attaching fails, delete the file."""
    stored = default_storage.save(storage_name(case_study.organisation, checked.extension), upload)
    try:
        return services.add_attachment(
            case_study.pk,
            user=user,
            stored_name=stored,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
    except BaseException:
        default_storage.delete(stored)
        raise
