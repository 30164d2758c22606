"""Reading one file's bytes as rows: gzip, UTF-8, CSV, NDJSON and JSON arrays, all streamed.

Layers, bottom up: the raw file or S3 body, counted (``bytes_read`` counts what was read from it,
compressed or not, so it compares with ``size``); a buffer; gunzip when the data starts with gzip's
magic bytes; then the format's reader.

- **CSV** (and TSV): the first record is the header. The delimiter is ``delimiter=``, a tab for TSV,
  or sniffed (:class:`csv.Sniffer`, among ``, ; tab |``) from the first 64 KiB, falling back to a
  comma. Quotes are ``"`` doubled inside a field; quoted fields may hold newlines. A UTF-8 byte order
  mark is dropped. Blank lines are skipped. Every value is a ``str``, ``""`` included: whether an empty
  field loads as NULL is the loader's choice, by column type, as in Redshift. The fields of the
  ``json_columns`` (a SUPER column's) hold a JSON document each, parsed as Redshift's COPY from CSV
  parses them: ``{"a": 1}``, ``[1, 2]``, ``"text"`` or ``42``; an empty field is NULL.
- **NDJSON**: one JSON object per line; blank lines are skipped.
- **JSON**: an array of objects, parsed one element at a time over a sliding buffer
  (:meth:`json.JSONDecoder.raw_decode`), so memory holds about one chunk and one element.

Errors are :class:`~rio.errors.MalformedInput` and name the file and the line (CSV, NDJSON, UTF-8) or
the element and byte offset (JSON arrays).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
import zlib
from collections.abc import Collection, Iterator
from itertools import chain
from typing import Any, BinaryIO

from rio._words import plural
from rio.errors import MalformedInput, SourceError, UnsupportedSource
from rio.sources.base import Counter, clip

__all__ = [
    "FORMATS",
    "Stream",
    "format_of_name",
    "is_gzip_name",
    "normal_format",
    "open_stream",
    "read_rows",
    "sniff_delimiter",
]

#: The formats a file source reads (``jsonl`` is another name for ``ndjson``; ``json`` is an array of
#: objects or NDJSON, told apart by the first non-blank byte).
FORMATS = ("csv", "tsv", "ndjson", "jsonl", "json")

CHUNK = 1024 * 1024
_SAMPLE = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"
_SNIFF_DELIMITERS = ",;\t|"
# Characters str.splitlines() breaks at but csv does not treat as line ends.
_ODD_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_CSV_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)")
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".json": "json",
}
_FIELD_LIMIT = 64 * 1024 * 1024
# An unfinished JSON array element larger than this is refused rather than buffered.
_MAX_ELEMENT = 256 * 1024 * 1024

Rows = Iterator[dict[str, Any]]


def normal_format(format: str | None) -> str | None:
    """``format`` checked and in its canonical spelling (``jsonl`` is ``ndjson``)."""
    if format is None:
        return None
    lowered = format.lower().lstrip(".")
    if lowered not in FORMATS:
        raise UnsupportedSource(f"format {format!r} is not one rio reads; use one of {', '.join(FORMATS)}")
    return "ndjson" if lowered == "jsonl" else lowered


def is_gzip_name(name: str) -> bool:
    return name.lower().endswith(".gz")


def format_of_name(name: str) -> str | None:
    """The format a file name's suffix says (``.gz`` aside), or ``None``."""
    lowered = name.lower()
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    dot = lowered.rfind(".")
    return _SUFFIXES.get(lowered[dot:]) if dot >= 0 else None


# --- bytes -----------------------------------------------------------------------------------------


class _Raw(io.RawIOBase):
    """A raw binary stream whose first bytes can be looked at, however few each read returns."""

    def __init__(self) -> None:
        super().__init__()
        self._head = b""

    def _read(self, size: int) -> bytes:
        raise NotImplementedError

    def readable(self) -> bool:
        return True

    def head(self, size: int) -> bytes:
        """The first ``size`` bytes (fewer only at the end), kept to be read again."""
        while len(self._head) < size:
            data = self._read(max(size - len(self._head), 8192))
            if not data:
                break
            self._head += data
        return self._head

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            size = min(len(view), len(self._head))
            view[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._read(len(view))
        size = len(data)
        view[:size] = data
        return size


class _Counted(_Raw):
    """A binary stream whose reads add to a :class:`Counter`; OS errors name the file."""

    def __init__(self, raw: BinaryIO, counter: Counter, name: str) -> None:
        super().__init__()
        self._raw = raw
        self._counter = counter
        self._name = name

    def _read(self, size: int) -> bytes:
        try:
            data = self._raw.read(size)
        except OSError as exc:
            raise SourceError(f"could not read {self._name}: {exc}", source=self._name) from exc
        self._counter.value += len(data)
        return data

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _Gunzipped(_Raw):
    """The decompressed bytes of a gzip stream (any number of members); bad gzip names the file."""

    def __init__(self, compressed: _Counted, name: str) -> None:
        super().__init__()
        self._compressed = io.BufferedReader(compressed, CHUNK)
        self._gzip = gzip.GzipFile(fileobj=self._compressed, mode="rb")
        self._name = name

    def _read(self, size: int) -> bytes:
        try:
            return self._gzip.read(size)
        except (EOFError, OSError, zlib.error) as exc:
            raise MalformedInput(
                f"{self._name}: the gzip data is corrupt or truncated ({exc}); the file may be incomplete",
                source=self._name,
            ) from exc

    def close(self) -> None:
        if not self.closed:
            try:
                self._gzip.close()
            finally:
                self._compressed.close()
        super().close()


class Stream(io.BufferedReader):
    """One file's (decompressed) bytes, and ``first``: its first non-blank byte, ``b""`` if none."""

    first = b""


def _first_significant(raw: _Raw, name: str) -> bytes:
    size = 64
    while True:
        head = raw.head(size)
        text = head[len(_BOM) :] if head.startswith(_BOM) else head
        stripped = text.lstrip(b" \t\r\n")
        if stripped:
            return stripped[:1]
        if len(head) < size:
            return b""
        if size >= _MAX_ELEMENT:
            raise MalformedInput(f"{name}: starts with more than {size} bytes of blank space", source=name)
        size *= 4


def open_stream(raw: BinaryIO, name: str, counter: Counter) -> Stream:
    """``raw`` counted, buffered, and gunzipped when it starts with gzip's magic bytes.

    A name ending in ``.gz`` whose data is not gzip is refused: the file is damaged or misnamed.
    """
    counted = _Counted(raw, counter, name)
    inner: _Raw = counted
    try:
        head = counted.head(2)[:2]
        if head == _GZIP_MAGIC:
            inner = _Gunzipped(counted, name)
        elif head and is_gzip_name(name):
            raise MalformedInput(
                f"{name}: the name ends in .gz but the data is not gzip (it starts with {head!r})",
                source=name,
            )
        first = _first_significant(inner, name)
    except BaseException:
        inner.close()
        counted.close()
        raise
    stream = Stream(inner, CHUNK)
    stream.first = first
    return stream


# --- text ------------------------------------------------------------------------------------------


class _Utf8:
    """Decoded text of a byte stream, chunk by chunk; invalid UTF-8 is reported with line and byte."""

    def __init__(self, stream: Stream, name: str) -> None:
        self._stream = stream
        self._name = name
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._bytes = 0
        self._lines = 0
        self._first = True
        self.bom = 0
        self.done = False

    def read(self, size: int | None = None) -> str:
        """The next text (about ``size`` bytes of it); ``""`` only at the end."""
        while not self.done:
            data = self._stream.read(size or CHUNK)
            final = not data
            pending = len(self._decoder.getstate()[0])
            try:
                text = self._decoder.decode(data, final)
            except UnicodeDecodeError as exc:
                at = max(0, exc.start - pending)
                line = self._lines + data[:at].count(b"\n") + 1
                offset = self._bytes - pending + exc.start
                raise MalformedInput(
                    f"{self._name}: line {line}: invalid UTF-8 ({exc.reason}) at byte {offset}; rio reads "
                    "text as UTF-8",
                    source=self._name,
                    line=line,
                ) from exc
            self._bytes += len(data)
            self._lines += data.count(b"\n")
            if final:
                self.done = True
            if self._first and text:
                self._first = False
                if text[0] == "\ufeff":
                    text = text[1:]
                    self.bom = len(_BOM)
            if text:
                return text
        return ""


def _line_batches(source: _Utf8, first: str) -> Iterator[list[str]]:
    """Lists of lines with their line ends, split only where csv sees line ends (``\\n``, ``\\r``)."""
    pending = ""
    text = first
    while text:
        if pending:
            text = pending + text
        cut = text.rfind("\n")
        if cut < 0:
            cut = text.rfind("\r", 0, len(text) - 1)
        if cut < 0:
            pending = text
        else:
            body, pending = text[: cut + 1], text[cut + 1 :]
            if _ODD_BREAKS.search(body) is None:
                yield body.splitlines(True)
            else:
                yield _CSV_LINE.findall(body)  # body ends in a line end, so this takes all of it
        text = source.read()
    if pending:
        yield [pending]


def _lines(source: _Utf8, first: str) -> Iterator[str]:
    # Flattened in C: a generator step per line would cost as much as parsing it.
    return chain.from_iterable(_line_batches(source, first))


# --- CSV -------------------------------------------------------------------------------------------


def _sniff(sample: str) -> str:
    """The delimiter a sample of CSV text uses; a comma when that cannot be told."""
    cut = sample.rfind("\n", 0, _SAMPLE)
    if len(sample) > _SAMPLE and cut > 0:
        sample = sample[: cut + 1]
    elif len(sample) > _SAMPLE:
        sample = sample[:_SAMPLE]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=_SNIFF_DELIMITERS).delimiter
    except csv.Error:
        return ","
    # A delimiter the header line does not hold was guessed from the values: keep the comma.
    header = sample.split("\n", 1)[0]
    return delimiter if delimiter in header else ","


def sniff_delimiter(head: bytes) -> str:
    """The delimiter of CSV whose first bytes are ``head``, as :func:`read_rows` finds it."""
    text = head[: 4 * _SAMPLE].decode("utf-8", errors="ignore")
    return _sniff(text[1:] if text.startswith("\ufeff") else text)


def _check_header(header: list[str], name: str, line: int) -> list[str]:
    seen: set[str] = set()
    for index, column in enumerate(header, 1):
        if column == "":
            raise MalformedInput(
                f"{name}: line {line}: header field {index} is empty; every column needs a name",
                source=name,
                line=line,
            )
        if column in seen:
            raise MalformedInput(
                f"{name}: line {line}: the header names column {clip(column)!r} twice", source=name, line=line
            )
        seen.add(column)
    return header


def _csv(
    stream: Stream, name: str, delimiter: str | None, json_columns: Collection[str] = ()
) -> tuple[list[str] | None, Rows]:
    # csv refuses fields over 128 KiB by default; long text is the tracker's and the loader's to judge.
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    text = _Utf8(stream, name)
    first = text.read()
    if delimiter is None:
        delimiter = _sniff(first)
    reader = csv.reader(
        _lines(text, first), delimiter=delimiter, quotechar='"', doublequote=True, strict=True
    )

    def fail(exc: csv.Error) -> MalformedInput:
        line = reader.line_num
        return MalformedInput(f"{name}: line {line}: malformed CSV: {exc}", source=name, line=line)

    try:
        header: list[str] | None = None
        for fields in reader:
            if fields:
                header = _check_header(fields, name, reader.line_num)
                break
    except csv.Error as exc:
        raise fail(exc) from exc
    if header is None:
        return None, iter(())

    def rows(header: list[str]) -> Rows:
        width = len(header)
        documents = [column for column in header if column in json_columns]
        try:
            for fields in reader:
                if len(fields) != width:
                    if not fields:
                        continue  # a blank line
                    line = reader.line_num
                    raise MalformedInput(
                        f"{name}: line {line}: {plural(len(fields), 'field')} where the header has {width} "
                        f"(delimiter {delimiter!r})",
                        source=name,
                        line=line,
                    )
                row: dict[str, Any] = dict(zip(header, fields, strict=True))
                for column in documents:
                    row[column] = _document(row[column], name, reader.line_num, column)
                yield row
        except csv.Error as exc:
            raise fail(exc) from exc

    return header, rows(header)


def _document(field: str, name: str, line: int, column: str) -> Any:
    """A SUPER column's CSV field as the JSON value it holds (``None`` when empty)."""
    if field == "":
        return None
    try:
        return json.loads(field)
    except json.JSONDecodeError as exc:
        # The field's text is not echoed: the position finds it, and it may hold anything.
        raise MalformedInput(
            f"{name}: line {line}: column {column!r}: not a JSON value ({exc.msg} at character "
            f"{exc.pos + 1}); a super column's CSV field holds JSON, with text in double quotes",
            source=name,
            line=line,
        ) from None


# --- JSON ------------------------------------------------------------------------------------------


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "null" if value is None else type(value).__name__


class _NotJson(ValueError):
    """NaN or Infinity, which Python's parser takes but JSON (and Redshift) do not."""


def _reject_constant(constant: str) -> Any:
    raise _NotJson(f"{constant} is not a JSON value")


def _ndjson(stream: Stream, name: str) -> Rows:
    decode = json.JSONDecoder(parse_constant=_reject_constant).decode
    for number, line in enumerate(stream, 1):
        if number == 1 and line.startswith(_BOM):
            line = line[len(_BOM) :]
        try:
            value = decode(line.decode("utf-8"))
        except _NotJson as exc:
            raise MalformedInput(
                f"{name}: line {number}: not valid JSON: {exc}", source=name, line=number
            ) from exc
        except UnicodeDecodeError as exc:
            raise MalformedInput(
                f"{name}: line {number}: invalid UTF-8 ({exc.reason}) at byte {exc.start} of the line; rio "
                "reads text as UTF-8",
                source=name,
                line=number,
            ) from exc
        except json.JSONDecodeError as exc:
            if not line.strip():
                continue
            raise MalformedInput(
                f"{name}: line {number}: not valid JSON: {exc.msg} at column {exc.colno}",
                source=name,
                line=number,
            ) from exc
        if type(value) is not dict:
            raise MalformedInput(
                f"{name}: line {number}: a row must be a JSON object, not {_kind(value)}",
                source=name,
                line=number,
            )
        yield value


class _JsonArray:
    """The objects of one JSON array, decoded one element at a time from a sliding text buffer."""

    def __init__(self, stream: Stream, name: str) -> None:
        self._text = _Utf8(stream, name)
        self._name = name
        self._decode = json.JSONDecoder(parse_constant=_reject_constant).raw_decode
        self._buffer = ""
        self._pos = 0
        self._dropped = 0  # bytes of text dropped from the front of the buffer

    def _offset(self, pos: int) -> int:
        return self._text.bom + self._dropped + len(self._buffer[:pos].encode("utf-8", "surrogatepass"))

    def _more(self) -> bool:
        """Append input to the buffer (dropping what was parsed); ``False`` at the end."""
        if self._text.done:
            return False
        if self._pos:
            self._dropped += len(self._buffer[: self._pos].encode("utf-8", "surrogatepass"))
            self._buffer = self._buffer[self._pos :]
            self._pos = 0
        if len(self._buffer) > _MAX_ELEMENT:
            raise self._error(0, f"an element is larger than {_MAX_ELEMENT} bytes")
        # Read at least as much as is pending, so a large element is reparsed only a few times.
        more = self._text.read(max(CHUNK, len(self._buffer)))
        if not more:
            return False
        self._buffer += more
        return True

    def _error(self, pos: int, problem: str) -> MalformedInput:
        return MalformedInput(
            f"{self._name}: byte {self._offset(pos)}: {problem}", source=self._name, line=None
        )

    def _next_char(self) -> str:
        """The next non-blank character (not consumed), or ``""`` at the end."""
        while True:
            end = _JSON_SPACE.match(self._buffer, self._pos)
            assert end is not None
            self._pos = end.end()
            if self._pos < len(self._buffer):
                return self._buffer[self._pos]
            if not self._more():
                return ""

    def rows(self) -> Rows:
        first = self._next_char()
        if first == "":
            return
        if first != "[":
            raise self._error(self._pos, f"a JSON array must start with '[', not {first!r}")
        self._pos += 1
        number = 0
        if self._next_char() == "]":
            self._pos += 1
        else:
            while True:
                number += 1
                value = self._element(number)
                if type(value) is not dict:
                    raise self._error(
                        self._pos, f"element {number} must be a JSON object, not {_kind(value)}"
                    )
                yield value
                separator = self._next_char()
                if separator == ",":
                    self._pos += 1
                    continue
                if separator == "]":
                    self._pos += 1
                    break
                raise self._error(
                    self._pos,
                    f"expected ',' or ']' after element {number}, found "
                    f"{repr(separator) if separator else 'the end of the file'}",
                )
        tail = self._next_char()
        if tail:
            raise self._error(self._pos, f"unexpected {tail!r} after the end of the array")

    def _element(self, number: int) -> object:
        if self._next_char() == "":
            raise self._error(self._pos, f"the file ends where element {number} should be (truncated?)")
        while True:
            try:
                value, end = self._decode(self._buffer, self._pos)
            except _NotJson as exc:
                raise self._error(self._pos, f"element {number} is not valid JSON: {exc}") from exc
            except json.JSONDecodeError as exc:
                unterminated = exc.msg.startswith("Unterminated string")
                # An element cut by the end of the buffer looks malformed: read on, then decode again
                # (reading may move the buffer, so the error is only reported from a final attempt).
                if not self._text.done and (unterminated or exc.pos >= len(self._buffer) - 16):
                    self._more()
                    continue
                at_end = unterminated or exc.pos >= len(self._buffer)
                truncated = " (the file ends inside it)" if at_end else ""
                raise self._error(
                    exc.pos, f"element {number} is not valid JSON: {exc.msg}{truncated}"
                ) from exc
            if end == len(self._buffer) and not self._text.done:
                self._more()
                continue  # a number may go on in the next chunk
            self._pos = end
            return value


# --- dispatch --------------------------------------------------------------------------------------


def read_rows(
    stream: Stream,
    name: str,
    format: str | None,
    delimiter: str | None,
    json_columns: Collection[str] = (),
) -> tuple[list[str] | None, Rows]:
    """The header (CSV only) and the rows of one file, in ``format`` or the one its bytes show.

    A CSV's ``json_columns`` fields are parsed as JSON documents (see the module docstring).

    ``format`` ``None`` looks at the first non-blank byte: ``[`` is a JSON array, ``{`` NDJSON,
    anything else CSV. ``json`` looks the same way but refuses anything else.
    """
    if format in ("csv", "tsv"):
        if delimiter is None and format == "tsv":
            delimiter = "\t"
        return _csv(stream, name, delimiter, json_columns)
    if format == "ndjson":
        return None, _ndjson(stream, name)
    first = stream.first
    if first == b"":
        return None, iter(())
    if first == b"[":
        return None, _JsonArray(stream, name).rows()
    if first == b"{":
        return None, _ndjson(stream, name)
    if format == "json":
        raise MalformedInput(
            f"{name}: not JSON: it starts with {first!r}, where an array ('[') or an object per line ('{{') "
            "should be",
            source=name,
            line=1,
        )
    return _csv(stream, name, delimiter, json_columns)
