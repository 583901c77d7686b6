"""Checking the shape of parsed YAML: generic building blocks that collect every error.

Each check reports its own errors to a :class:`~.yamlio.Problems` and returns None when the
value is unusable, so that checking goes on and the author sees every fault at once.
"""

import datetime
import difflib
import unicodedata

from .yamlio import INVALID

MISSING = object()
LARGEST_INTEGER = 2**31 - 1  # what every database's integer column holds


def normalise_text(value):
    r"""Strip the ends, and make every line break "\n".

    YAML turns raw CR and CRLF into "\n" but keeps escaped ones, and PyYAML cannot write NEL
    (U+0085) so that it reads back the same.
    """
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\x85", "\n").strip()


def _is_control(char):
    # NUL cannot be stored in PostgreSQL, nor a lone surrogate encoded as UTF-8 for the hash.
    return char not in "\t\n" and unicodedata.category(char) in ("Cc", "Cs")


def describe(value):
    """A value's type in words, for messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, datetime.datetime):
        return "a date and time"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, str):
        return f'the text "{value if len(value) <= 30 else value[:27] + "..."}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def suggestion(word, choices):
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def quoted(names, joiner="and"):
    names = [f'"{name}"' for name in names]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {joiner} {names[-1]}"


class Checker:
    def __init__(self, problems):
        self.problems = problems
        self.error = problems.add
        self.line = problems.line_for

    def mapping(self, value, path, keys):
        if value is INVALID:
            return None
        if not isinstance(value, dict):
            where = "" if path else "the file "
            self.error(path, f"{where}must be a mapping (key: value lines), not {describe(value)}")
            return None
        for key in value:
            if key not in keys:
                message = f'unknown key "{key}"{suggestion(key, keys)}'
                self.error(path, message, self.line((*path, key)))
        return value

    def value(self, mapping, path, key, required):
        """The raw value, or ``MISSING`` (after reporting it if it was required)."""
        value = mapping.get(key)
        if value is None:
            if required and key in mapping:
                self.error((*path, key), "must not be empty")
            elif required:
                self.error(path, f'missing required key "{key}"')
            return MISSING
        return MISSING if value is INVALID else value

    def text(self, mapping, path, key, required=True, limit=None, pattern=None, hint=""):
        value = self.value(mapping, path, key, required)
        if value is MISSING:
            return None if required else ""
        return self.text_value(value, (*path, key), required, limit, pattern, hint)

    def text_value(self, value, path, required=True, limit=None, pattern=None, hint=""):
        if not isinstance(value, str):
            quote = ": put it in quotes" if isinstance(value, int | float | datetime.date) else ""
            self.error(path, f"must be text, not {describe(value)}{quote}")
            return None
        value = normalise_text(value)
        control = next((char for char in value if _is_control(char)), None)
        if control is not None:
            self.error(path, f"contains the control character U+{ord(control):04X}: remove it")
            return None
        if not value:
            if required:
                self.error(path, "must not be empty")
                return None
            return ""
        if limit and len(value) > limit:
            self.error(path, f"is too long: {len(value)} characters, at most {limit}")
            return None
        if pattern and not pattern.fullmatch(value):
            self.error(path, f'"{value}" is not valid here: {hint}')
            return None
        return value

    def integer(self, mapping, path, key):
        value = self.value(mapping, path, key, required=True)
        if value is MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error((*path, key), f"must be a whole number, not {describe(value)}")
            return None
        if not -LARGEST_INTEGER <= value <= LARGEST_INTEGER:
            self.error((*path, key), f"is too large: at most {LARGEST_INTEGER} either side of 0")
            return None
        return value

    def version_text(self, mapping, path, limit):
        """A framework version such as "2009.1": text, or a whole number taken as text."""
        value = self.value(mapping, path, "version", required=True)
        if value is MISSING:
            return None
        if isinstance(value, float):
            self.error(
                (*path, "version"),
                f'quote the version, e.g. version: "{value}" (unquoted, it is read as a number, '
                "so 1.10 would become 1.1)",
            )
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return self.text_value(value, (*path, "version"), limit=limit)

    def boolean(self, mapping, path, key, default):
        value = self.value(mapping, path, key, required=False)
        if value is MISSING:
            return default
        if not isinstance(value, bool):
            self.error((*path, key), f"must be true or false, not {describe(value)}")
            return None
        return value

    def choice(self, mapping, path, key, choices, what):
        value = self.text(mapping, path, key)
        if value is not None and value not in choices:
            self.error(
                (*path, key),
                f'"{value}" is not a {what}: use {quoted(choices, "or")}'
                f"{suggestion(value, choices)}",
            )
            return None
        return value

    def items(self, mapping, path, key, what, example, minimum=0):
        """``[(item_path, item)]`` for a list, or None.

        A list with ``minimum`` > 0 is required; the scale's levels check their own minimum.
        """
        value = self.value(mapping, path, key, required=minimum > 0)
        if value is MISSING:
            return None if minimum else []
        path = (*path, key)
        if not isinstance(value, list):
            hint = f", e.g. {key}: [{value}]" if isinstance(value, str) else f", e.g. {example}"
            self.error(path, f"must be a list of {what}, not {describe(value)}{hint}")
            return None
        if len(value) < minimum:
            self.error(path, f"must not be empty: list at least one of the {what}")
            return None
        return [((*path, index), item) for index, item in enumerate(value) if item is not INVALID]

    def names(
        self, mapping, path, key, what, example, minimum=0, pattern=None, hint="", check=None
    ):
        """A list of texts (countries, refs, tags, examples): ``[(item_path, text)]``, each once.

        ``check(name)`` may return an error message for a name that is not allowed.
        """
        items = self.items(mapping, path, key, what, example, minimum)
        if items is None:
            return None
        result, first_lines = [], {}
        for item_path, item in items:
            name = self.text_value(item, item_path, limit=None, pattern=pattern, hint=hint)
            if name is None:
                continue
            message = check(name) if check else None
            if message:
                self.error(item_path, message)
                continue
            if name in first_lines:
                line = first_lines[name]
                self.error(item_path, f'"{name}" is listed twice (first on line {line})')
                continue
            first_lines[name] = self.line(item_path)
            result.append((item_path, name))
        return result

    def unique(self, seen, value, path, what):
        """Report ``value`` if already in ``seen`` (value -> line); otherwise remember it."""
        if value is None:
            return
        if value in seen:
            shown = f'"{value}"' if isinstance(value, str) else value
            self.error(path, f"duplicate {what} {shown} (first used on line {seen[value]})")
        else:
            seen[value] = self.line(path)
