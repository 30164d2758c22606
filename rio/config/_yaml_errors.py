"""What is wrong with a YAML file, in words that never repeat a fragment of the file itself.

A file that fails to parse may be any file (``/etc/passwd``, a YAML file of secrets), so PyYAML's
problems, which quote it, are reworded here with positions and kinds only.
"""

from __future__ import annotations

import re

import yaml

__all__ = ["describe_yaml_error"]


def _position(mark: yaml.Mark | None) -> str:
    return "" if mark is None else f" (line {mark.line + 1}, column {mark.column + 1})"


#: PyYAML's problems that quote the file, and what rio says instead.
_YAML_REWORDED = tuple(
    (re.compile(pattern, re.DOTALL), words)
    for pattern, words in (
        (r"found character .* that cannot start any token", "found a character that cannot start any token"),
        (r"found undefined alias .*", "found an undefined alias"),
        (r"found duplicate anchor .*", "found a duplicate anchor"),
        (r"found unknown escape character .*", "found an unknown escape character"),
        (r"found undefined tag handle .*", "found an undefined tag handle"),
        (r"duplicate tag handle .*", "found a duplicate tag handle"),
        (r"could not determine a constructor for the tag .*", "found a tag rio does not read"),
        (r"could not find expected ':'", "could not find the colon that ends a key"),
    )
)
#: PyYAML's names of tokens, which it quotes in "expected …, but found …".
_YAML_TOKENS = {
    "<directive>": "a directive",
    "<document start>": "the start of a document",
    "<document end>": "the end of a document",
    "<stream start>": "the start of the file",
    "<stream end>": "the end of the file",
    "<block sequence start>": "a list",
    "<block mapping start>": "a mapping",
    "<block end>": "the end of a block",
    "[": "the start of a flow list",
    "{": "the start of a flow mapping",
    "]": "the end of a flow list",
    "}": "the end of a flow mapping",
    "?": "a key indicator",
    ":": "a colon",
    "-": "a list item",
    ",": "a comma",
    "<alias>": "an alias",
    "<anchor>": "an anchor",
    "<tag>": "a tag",
    "<scalar>": "a scalar",
}
_YAML_EXPECTED = {
    "',' or ']'": "a comma or the end of a flow list",
    "',' or '}'": "a comma or the end of a flow mapping",
    "'<document start>'": "the start of a document",
    "<block end>": "the end of a block",
}
_BUT_FOUND = re.compile(r"expected (?P<expected>.*?),? but (?:found|got) (?P<found>.*)", re.DOTALL)
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def _yaml_words(text: str) -> str:
    """PyYAML's problem ``text`` without any fragment of the file it quotes."""
    for pattern, words in _YAML_REWORDED:
        if pattern.fullmatch(text):
            return words
    match = _BUT_FOUND.fullmatch(text)
    if match is not None:
        expected = _YAML_EXPECTED.get(match["expected"], match["expected"])
        found = match["found"]
        if _QUOTED.fullmatch(found):
            found = _YAML_TOKENS.get(found[1:-1], "another character")
        return (
            f"expected {_QUOTED.sub('a character', expected)}, but found {_QUOTED.sub('a character', found)}"
        )
    # Whatever else PyYAML quotes comes from the file: it goes.
    return _QUOTED.sub("a character", text)


def describe_yaml_error(exc: yaml.YAMLError, text: str = "") -> str:
    """What is wrong with a YAML file, with positions and kinds but never a word of the file itself.

    ``str()`` of PyYAML's errors shows the offending line, and its problems quote characters and
    names from it; a file that fails to parse may be any file, so none of that is repeated.
    ``text`` (the file's text) places a character PyYAML's reader refused.
    """
    if isinstance(exc, yaml.MarkedYAMLError):
        described = ""
        for words, mark in ((exc.context, exc.context_mark), (exc.problem, exc.problem_mark)):
            if words:
                # A context without a position of its own runs on into the problem.
                joint = "" if not described else (": " if described.endswith(")") else ", ")
                described += f"{joint}{_yaml_words(words)}{_position(mark)}"
        return described or "malformed"
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.character, int):
        position = int(exc.position)
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        return (
            f"the character U+{exc.character:04X} (line {line}, column {column}) is not allowed in a "
            "YAML file"
        )
    return f"malformed ({type(exc).__name__})"


def _yaml_problem(exc: yaml.YAMLError, text: str) -> str:
    return f"is not valid YAML: {describe_yaml_error(exc, text)}"
