"""Reading framework YAML with a line number for every key and list item, and writing it back.

PyYAML's ``safe_load`` forgets where each value came from, so files are composed into nodes
and converted here, recording ``lines[path]`` for every mapping key and list item. A path is a
tuple of keys and indexes, such as ``("standards", 0, "criteria", 3, "ref")``.
"""

import unicodedata

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Invalid:
    """Stands in for a value that could not be read; its error is already reported."""

    def __repr__(self):
        return "INVALID"


INVALID = Invalid()


def format_path(path):
    """("standards", 0, "criteria", 3, "ref") -> "standards[0].criteria[3].ref"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class Problems:
    """Collects errors for one file, each as ``file:line: field.path: message``."""

    def __init__(self, source, lines=None):
        self.source = source
        self.lines = lines if lines is not None else {}
        self._items = []

    def line_for(self, path):
        """The line of ``path``, or of its nearest ancestor that has one (for missing fields)."""
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def add(self, path, message, line=None):
        line = line if line is not None else self.line_for(path)
        where = format_path(path)
        text = (
            f"{self.source}:{line}: {where}: {message}"
            if where
            else f"{self.source}:{line}: {message}"
        )
        self._items.append((line, len(self._items), _printable(text)))

    def messages(self):
        """The errors in file order (stable for errors on the same line)."""
        return [text for _, _, text in sorted(self._items)]

    def __bool__(self):
        return bool(self._items)

    def __len__(self):
        return len(self._items)


def _printable(text):
    """One line of printable text: a message quotes the author's text, which may hold anything."""
    return "".join(
        f"\\u{ord(char):04x}" if unicodedata.category(char) in ("Cc", "Cs") else char
        for char in text
    )


def read_yaml(path, source=None):
    """Read ``path`` and return ``(data, lines, problems)``.

    ``data`` is plain Python (dicts, lists, scalars, ``INVALID`` where a node could not be
    read) or ``None`` when the file could not be parsed at all; ``problems`` holds every error
    found so far.
    """
    source = source if source is not None else str(path)
    problems = Problems(source)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        problems.add((), f"cannot read the file: {error.strerror or error}")
        return None, problems.lines, problems
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.add((), f"the file is not UTF-8 text (byte {error.start}); save it as UTF-8")
        return None, problems.lines, problems
    return parse_yaml(text, problems)


def parse_yaml(text, problems):
    """Parse ``text`` into ``(data, lines, problems)``; see :func:`read_yaml`."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        message = f"invalid YAML: {_describe_yaml_error(error)}"
        if _character_at(text, error.problem_mark) == "\t":
            message += " (a tab: indent with spaces)"
        problems.add((), message, line=_line(error))
        return None, problems.lines, problems
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        problems.add((), f"invalid YAML: {error.reason} (character #x{error.character:04x})", line)
        return None, problems.lines, problems
    except yaml.YAMLError as error:
        problems.add((), f"invalid YAML: {error}")
        return None, problems.lines, problems
    data = None if root is None else _Converter(problems).convert(root, ())
    if data is None:  # no document, or only "~" or "null"
        problems.add((), "the file is empty: expected a framework (slug, version, title, ...)")
        return None, problems.lines, problems
    problems.lines[()] = root.start_mark.line + 1
    return data, problems.lines, problems


def _line(error):
    mark = error.problem_mark or error.context_mark
    return mark.line + 1 if mark else 1


def _character_at(text, mark):
    if mark is None:
        return ""
    lines = text.splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    return line[mark.column : mark.column + 1]


def _describe_yaml_error(error):
    """PyYAML's context and problem as one line, e.g. "while parsing a flow sequence (line 2):
    did not find expected ',' or ']'"."""
    context = error.context or ""
    if context and error.context_mark and error.context_mark.line + 1 != _line(error):
        context += f" (line {error.context_mark.line + 1})"
    return ": ".join(part for part in (context, error.problem) if part)


class _Converter:
    def __init__(self, problems):
        self.problems = problems
        self.lines = problems.lines
        self.constructor = SafeConstructor()
        self.seen = set()

    def convert(self, node, path):
        # Composing resolves an alias to the very node it names, so a node met twice is an alias.
        if id(node) in self.seen:
            self.problems.add(path, "YAML aliases (*name) are not supported: write the value out")
            return INVALID
        self.seen.add(id(node))
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.lines[(*path, index)] = item.start_mark.line + 1
                items.append(self.convert(item, (*path, index)))
            return items
        return self._scalar(node, path)

    def _mapping(self, node, path):
        result = {}
        first_lines = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                self.problems.add(path, "a key must be a plain name, not a list or mapping", line)
                continue
            key = key_node.value
            if key in first_lines:
                self.problems.add(
                    (*path, key),
                    f'duplicate key "{key}" (first used on line {first_lines[key]})',
                    line,
                )
                continue
            first_lines[key] = line
            self.lines[(*path, key)] = line
            result[key] = self.convert(value_node, (*path, key))
        return result

    def _scalar(self, node, path):
        try:
            return self.constructor.construct_object(node, deep=True)
        except ConstructorError as error:
            self.problems.add(path, f"cannot read this value: {error.problem}")
            return INVALID
        except ValueError:
            # A date-like value that is not a date (2000-13-01): validation explains it.
            return node.value


# Writing


FOLD_FROM = 72


class FlowList(list):
    """A short list of names, written on one line: ``[england, wales]``."""


class Quoted(str):
    """Text always written in double quotes, such as ``version: "1.0"``."""

    __slots__ = ()


class _FrameworkDumper(yaml.SafeDumper):  # the pure-Python emitter, to indent lists
    def increase_indent(self, flow=False, indentless=False):
        # Indent list items under their key, as in the documentation.
        return super().increase_indent(flow, False)


def _represent_str(dumper, value):
    # Paragraphs as literal blocks, long sentences folded; PyYAML falls back to quotes when a
    # block style cannot hold the text exactly.
    if "\n" in value:
        style = "|"
    elif len(value) > FOLD_FROM:
        style = ">"
    else:
        style = None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_flow_list(dumper, value):
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_FrameworkDumper.add_representer(str, _represent_str)


def _represent_quoted(dumper, value):
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')


_FrameworkDumper.add_representer(FlowList, _represent_flow_list)
_FrameworkDumper.add_representer(Quoted, _represent_quoted)


def dump_yaml(data):
    """Readable block-style YAML, keys in the order given."""
    return yaml.dump(
        data,
        Dumper=_FrameworkDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=80,  # PyYAML breaks after the word that passes the width: lines stay under 100
    )
