"""Frameworks are data: YAML files (docs/framework-format.md) loaded into the database.

    load_framework_files(paths) -> list[LoadResult]   all files checked, then one transaction
    export_framework(framework) -> str                YAML that loads back to the same content
    framework_content(framework) -> dict               normalised content, as hashed
    content_hash(content) -> str                       SHA-256 of that content

Errors in files raise FrameworkError, whose ``errors`` lists every ``file:line: field: message``.
"""

from .export import content_to_yaml, export_framework, framework_content
from .loader import (
    FrameworkError,
    FrameworkFile,
    LoadResult,
    check_framework_files,
    content_hash,
    load_framework_files,
    read_framework_file,
)

__all__ = [
    "FrameworkError",
    "FrameworkFile",
    "LoadResult",
    "check_framework_files",
    "content_hash",
    "content_to_yaml",
    "export_framework",
    "framework_content",
    "load_framework_files",
    "read_framework_file",
]
