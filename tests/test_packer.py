"""The Rust packer, ``rio._core.Packer``: rows in from many Python threads, gzip'd NDJSON parts out.

Every test reads the parts back the way a loader would (gunzip, split lines, parse JSON), so what is
pinned here is what lands in S3 and then in Redshift.
"""

from __future__ import annotations

import datetime as dt
import enum
import gzip
import itertools
import json
import os
import random
import select
import signal
import string
import subprocess
import sys
import textwrap
import threading
import time
import uuid
import zlib
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rio import _core
from rio._core import Packer, Part
from rio.config import Column
from rio.errors import (
    InvalidColumnValue,
    InvalidJSONInput,
    PackerClosed,
    RioError,
    RowError,
    UnsupportedValue,
)

# --- helpers -----------------------------------------------------------------------------------------

WAIT = 60.0
"""The longest any helper waits for a thread; a test that needs it has hung."""


def compact(row: Any) -> bytes:
    """A dict as the packer writes it when every value is a plain str, int, bool, None, list or dict."""
    return json.dumps(row, separators=(",", ":"), ensure_ascii=False).encode()


def part_text(part: Part) -> bytes:
    """The NDJSON of a part, after checking that the part is one whole gzip member that says what it holds."""
    data = part.data
    assert isinstance(data, bytes)
    assert part.compressed_bytes == len(data)
    assert data[:3] == b"\x1f\x8b\x08"
    member = zlib.decompressobj(wbits=31)
    text = member.decompress(data) + member.flush()
    assert member.eof
    assert member.unused_data == b""
    assert gzip.decompress(data) == text
    assert len(text) == part.raw_bytes
    assert text.count(b"\n") == part.rows
    assert part.rows > 0
    assert text.endswith(b"\n")
    return text


def lines_of(parts: Iterable[Part]) -> list[bytes]:
    """Every line of every part, in part order."""
    lines: list[bytes] = []
    for part in parts:
        lines.extend(part_text(part).split(b"\n")[:-1])
    return lines


def take_all(packer: Packer) -> list[Part]:
    """Close a packer that has room for its last part, and take every part."""
    packer.close()
    return list(packer)


def close_and_read(packer: Packer) -> list[bytes]:
    return lines_of(take_all(packer))


class Consumer(threading.Thread):
    """A thread that takes parts until the packer is closed and drained."""

    def __init__(self, packer: Packer) -> None:
        super().__init__(daemon=True)
        self.packer = packer
        self.parts: list[Part] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for part in self.packer:
                self.parts.append(part)
        except BaseException as exc:
            self.error = exc

    def finish(self) -> list[Part]:
        self.join(WAIT)
        assert not self.is_alive(), "the consumer did not see the end of the parts"
        if self.error is not None:
            raise self.error
        return self.parts


def with_consumer(packer: Packer, produce: Callable[[], object]) -> list[Part]:
    """Run ``produce`` here while a consumer thread takes parts; then close and return the parts."""
    consumer = Consumer(packer)
    consumer.start()
    try:
        produce()
    finally:
        packer.close()
    return consumer.finish()


def run_threads(count: int, target: Callable[[int], Any]) -> list[Any]:
    """Run ``target(0..count-1)`` on ``count`` threads at once; return their results, raise their errors."""
    results: list[Any] = [None] * count
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            start.wait(WAIT)
            results[index] = target(index)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert not any(thread.is_alive() for thread in threads), "a producer thread hung"
    if errors:
        raise errors[0]
    return results


def pack_rows(rows: Iterable[Any], **options: Any) -> list[bytes]:
    """Pack rows one by one with a consumer running; return every line of every part."""
    packer = Packer(**options)

    def produce() -> None:
        for row in rows:
            packer.pack(row)

    return lines_of(with_consumer(packer, produce))


def pack_line(row: Any, **options: Any) -> bytes:
    """The one line a row becomes."""
    lines = pack_rows([row], **options)
    assert len(lines) == 1
    return lines[0]


GOOD_BEFORE = {"before": 1}
GOOD_AFTER = {"after": 2}


def refused(
    bad: Any,
    error: type[BaseException],
    *why: str,
    good: tuple[dict[str, Any], dict[str, Any]] = (GOOD_BEFORE, GOOD_AFTER),
    **options: Any,
) -> Any:
    """Pack a good row, ``bad``, another good row. ``bad`` must raise ``error`` saying each of ``why``,
    and leave nothing behind: only the good rows come out, and only they are counted."""
    packer = Packer(**options)
    packer.pack(good[0])
    with pytest.raises(error) as caught:
        packer.pack(bad)
    packer.pack(good[1])
    message = str(caught.value)
    for fragment in why:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    stats = packer.stats()
    assert stats.rows == 2
    assert sorted(stats.keys) == sorted({*good[0], *good[1]})
    assert close_and_read(packer) == [compact(good[0]), compact(good[1])]
    if isinstance(caught.value, RowError):
        assert caught.value.row == 0
    return caught.value


def byte_position(message: str) -> int:
    """N of the ``(at byte N)`` that ends an ``InvalidJSONInput`` message."""
    assert message.endswith(")"), message
    head, _, number = message[:-1].rpartition("(at byte ")
    assert head, message
    return int(number)


EVENTS = ("page_view", "click", "add_to_cart", "purchase", "signup", "login", "logout", "search")


def event_rows(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Seeded event rows like the benchmarks', each unique by ``i``."""
    rng = random.Random(seed)
    return [
        {
            "i": i,
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "user_id": rng.randrange(1, 10_000_000),
            "event": rng.choice(EVENTS),
            "ts": f"2026-11-21T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}"
            f".{rng.randrange(1000):03d}",
            "ms": round(rng.uniform(0, 20_000), 2),
            "ok": rng.random() < 0.95,
            "tags": [rng.choice(EVENTS) for _ in range(rng.randrange(3))],
        }
        for i in range(count)
    ]


def canonical(line: bytes) -> str:
    """A line's value in a form that compares and hashes (key order ignored)."""
    return json.dumps(json.loads(line), sort_keys=True)


_ASCII_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def ascii_folded(key: str) -> str:
    """A key as matched against columns: ASCII letters in lower case, everything else as is."""
    return key.translate(_ASCII_FOLD)


def same(a: Any, b: Any) -> bool:
    """Strict equality: same types (True is not 1), floats bit for bit, dict keys in the same order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a.hex() == b.hex()
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[key], b[key]) for key in a)
    return bool(a == b)


# --- round trip --------------------------------------------------------------------------------------


def test_dict_bytes_and_str_rows_come_back_as_packed() -> None:
    rows = event_rows(3000)
    given_rows: list[Any] = []
    for index, row in enumerate(rows):
        if index % 3 == 0:
            given_rows.append(row)
        elif index % 3 == 1:
            given_rows.append(json.dumps(row).encode())
        else:
            given_rows.append(json.dumps(row, ensure_ascii=False, indent=1))
    lines = pack_rows(given_rows, buffer_size=32 * 1024)
    assert Counter(canonical(line) for line in lines) == Counter(
        json.dumps(row, sort_keys=True) for row in rows
    )


def test_json_rows_are_written_compact_on_one_line_with_text_kept_as_written() -> None:
    rows = [
        b'{"a": 1}',
        b' {\n  "a" : [ 1 , 2.50e+03 , { "b" : null } ] ,\t"s" : "x  y\\t z" \r\n} \n',
        '{ "e" : "\\u00e9\\/\\ud83d\\ude00" , "u" : "\u00e9\U0001f600" }',
        b"{ }",
    ]
    assert pack_rows(rows) == [
        b'{"a":1}',
        b'{"a":[1,2.50e+03,{"b":null}],"s":"x  y\\t z"}',
        '{"e":"\\u00e9\\/\\ud83d\\ude00","u":"\u00e9\U0001f600"}'.encode(),
        b"{}",
    ]


def test_every_part_is_one_gzip_member_that_gzip_t_accepts(tmp_path: Path) -> None:
    packer = Packer(buffer_size=16 * 1024)
    parts = with_consumer(packer, lambda: packer.pack_many(event_rows(2000)))
    assert len(parts) > 3
    files = []
    for part in parts:
        part_text(part)
        path = tmp_path / f"part-{part.number:05d}.json.gz"
        path.write_bytes(part.data)
        files.append(str(path))
    checked = subprocess.run(["gzip", "-t", "-v", *files], capture_output=True, text=True, timeout=WAIT)
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.count("OK") == len(files)


def test_each_row_arrives_exactly_once_in_a_single_producers_order() -> None:
    rows = event_rows(2000)
    lines = pack_rows(rows, buffer_size=8 * 1024)
    assert [json.loads(line)["i"] for line in lines] == list(range(2000))


# --- rotation ----------------------------------------------------------------------------------------


def test_no_part_exceeds_buffer_size_unless_it_holds_one_larger_row() -> None:
    rng = random.Random(3)
    buffer_size = 256
    rows = [{"i": i, "pad": "x" * rng.choice([1, 20, 100, 240, 300, 700])} for i in range(600)]
    packer = Packer(buffer_size=buffer_size, max_parts_in_flight=2, threads=2)

    def produce() -> None:
        for row in rows:
            packer.pack(row)

    parts = with_consumer(packer, produce)
    for part in parts:
        assert part.rows > 0
        assert part.raw_bytes <= buffer_size or part.rows == 1, part
    # The rule's exception was exercised: some rows are larger than the buffer.
    assert any(part.raw_bytes > buffer_size for part in parts)
    assert lines_of(parts) == [compact(row) for row in rows]


def test_part_numbers_run_from_zero_without_gaps_in_the_order_taken() -> None:
    packer = Packer(buffer_size=512, max_parts_in_flight=3, threads=2)
    parts = with_consumer(packer, lambda: packer.pack_many(event_rows(1500)))
    assert len(parts) > 100
    assert [part.number for part in parts] == list(range(len(parts)))
    assert packer.stats().parts == len(parts)


def test_a_part_is_cut_only_when_the_next_row_would_not_fit() -> None:
    buffer_size = 300
    rows = [{"i": i, "pad": "y" * (i * 7 % 90)} for i in range(500)]
    packer = Packer(buffer_size=buffer_size, max_parts_in_flight=2)

    def produce() -> None:
        for row in rows:
            packer.pack(row)

    parts = with_consumer(packer, produce)
    texts = [part_text(part) for part in parts]
    for text, following in itertools.pairwise(texts):
        first_of_next = following.split(b"\n")[0] + b"\n"
        assert len(text) + len(first_of_next) > buffer_size


def test_rows_filling_the_buffer_exactly_share_a_part() -> None:
    # `{}` and its newline are 3 bytes: exactly two fit in 6.
    packer = Packer(buffer_size=6)

    def produce() -> None:
        for _ in range(7):
            packer.pack(b"{}")

    parts = with_consumer(packer, produce)
    assert [(part.rows, part.raw_bytes) for part in parts] == [(2, 6), (2, 6), (2, 6), (1, 3)]


# --- many threads ------------------------------------------------------------------------------------


def test_eight_threads_packing_at_once_put_every_row_in_exactly_one_part() -> None:
    threads, per_thread, buffer_size = 8, 50_000, 64 * 1024
    packer = Packer(buffer_size=buffer_size, max_parts_in_flight=2, threads=2)

    def producer(t: int) -> None:
        pack = packer.pack
        for i in range(per_thread):
            pack({"t": t, "i": i})

    parts = with_consumer(packer, lambda: run_threads(threads, producer))
    assert [part.number for part in parts] == list(range(len(parts)))
    assert all(part.raw_bytes <= buffer_size for part in parts)
    seen = Counter(lines_of(parts))
    assert len(seen) == threads * per_thread
    assert set(seen.values()) == {1}
    assert set(seen) == {compact({"t": t, "i": i}) for t in range(threads) for i in range(per_thread)}
    assert packer.stats().rows == threads * per_thread


def test_each_threads_rows_keep_their_order_among_other_threads() -> None:
    packer = Packer(buffer_size=4096, max_parts_in_flight=2, threads=2)

    def producer(t: int) -> None:
        for i in range(5000):
            packer.pack({"t": t, "i": i})

    lines = lines_of(with_consumer(packer, lambda: run_threads(4, producer)))
    order: dict[int, list[int]] = {t: [] for t in range(4)}
    for line in lines:
        row = json.loads(line)
        order[row["t"]].append(row["i"])
    assert order == {t: list(range(5000)) for t in range(4)}


def test_pack_many_from_several_threads_at_once_packs_every_row_once() -> None:
    threads, per_thread = 4, 25_000
    packer = Packer(buffer_size=64 * 1024, max_parts_in_flight=2, threads=2)

    def producer(t: int) -> int:
        return packer.pack_many({"t": t, "i": i} for i in range(per_thread))

    counts: list[int] = []
    parts = with_consumer(packer, lambda: counts.extend(run_threads(threads, producer)))
    assert counts == [per_thread] * threads
    assert [part.number for part in parts] == list(range(len(parts)))
    seen = Counter(lines_of(parts))
    assert set(seen.values()) == {1}
    assert set(seen) == {compact({"t": t, "i": i}) for t in range(threads) for i in range(per_thread)}


def test_pack_many_lets_other_threads_run_while_it_packs() -> None:
    # pack_many reads rows without running bytecode, so it lets go of the GIL between batches: a
    # thread that stores parts must not wait for the whole call. No part is cut here, so pack_many
    # never waits for room, which let go of the GIL before too.
    packer = Packer(buffer_size=200_000_000, threads=1)
    rows = [{"i": i, "text": "x" * 100} for i in range(200_000)]
    ticks: list[float] = []
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0)

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        started = time.perf_counter()
        assert packer.pack_many(rows) == len(rows)
        ended = time.perf_counter()
    finally:
        stop.set()
        ticker.join(WAIT)
    # Before, at most one tick could slip in at each end of the call.
    assert sum(started < tick < ended for tick in ticks) >= 3
    assert len(close_and_read(packer)) == len(rows)


def test_a_pack_gate_packs_into_its_open_packer_and_hands_the_other_rows_to_refused() -> None:
    refused: list[Any] = []
    gate = _core.PackGate(refused.append)
    gate.pack({"a": 1})  # no packer yet
    first, second = Packer(threads=1), Packer(threads=1)
    gate.open(first)
    gate.pack({"a": 2})
    first.close()
    gate.pack({"a": 3})  # its packer closed under it
    gate.open(second)
    gate.pack(b'{"a":4}')
    with pytest.raises(InvalidJSONInput):
        gate.pack(b"{")  # the packer's own refusals come through as they are
    gate.open(None)
    gate.pack({"a": 5})
    assert refused == [{"a": 1}, {"a": 3}, {"a": 5}]
    assert lines_of(first) == [b'{"a":2}']
    assert close_and_read(second) == [b'{"a":4}']


def test_two_consumers_share_the_parts_and_each_part_is_taken_once() -> None:
    packer = Packer(buffer_size=1024, max_parts_in_flight=2)
    first, second = Consumer(packer), Consumer(packer)
    first.start()
    second.start()
    try:
        packer.pack_many(event_rows(3000))
    finally:
        packer.close()
    parts = first.finish() + second.finish()
    assert sorted(part.number for part in parts) == list(range(len(parts)))
    assert sorted(json.loads(line)["i"] for line in lines_of(parts)) == list(range(3000))


# --- property-based round trips ----------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**200), max_value=2**200)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(['\x00\x01\x1f\x7f"\\/\n\r\t\b\f', "\U0001f600\U00010000\U0010ffff", "\u2028\u2029é"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
json_rows = st.lists(
    st.tuples(st.text(max_size=12), json_values),
    max_size=8,
    unique_by=lambda member: ascii_folded(member[0]),
).map(dict)


@settings(max_examples=150, deadline=None)
@given(row=json_rows)
def test_any_json_compatible_dict_comes_back_equal(row: dict[str, Any]) -> None:
    line = pack_line(row, threads=1)
    assert b"\n" not in line
    assert same(json.loads(line), row)


class _Members(list):  # type: ignore[type-arg]
    """An object's members as the reference parser keeps them, so repeats can be seen."""


def _reference_accepts(text: str | bytes) -> bool:
    """Whether ``text`` is one JSON object by RFC 8259 and rio's own rules: no NaN or infinities, no
    top-level key twice (ignoring ASCII case), no lone surrogate in any string, valid UTF-8."""

    def constant(name: str) -> Any:
        raise ValueError(name)

    try:
        # Rows are UTF-8; json.loads would guess UTF-16 or UTF-32 from where zero bytes fall.
        decoded = text.decode("utf-8") if isinstance(text, bytes) else text
        value = json.loads(decoded, object_pairs_hook=_Members, parse_constant=constant)
    except (ValueError, RecursionError):
        return False
    if not isinstance(value, _Members):
        return False
    keys = [ascii_folded(key) for key, _ in value]
    if len(set(keys)) != len(keys):
        return False

    def strings(item: Any) -> Iterator[str]:
        if isinstance(item, str):
            yield item
        elif isinstance(item, list):  # arrays, and objects as members
            for element in item:
                yield from strings(element)
        elif isinstance(item, tuple):
            yield from strings(list(item))

    try:
        for text_value in strings(value):
            text_value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_JSON_EDITS = st.sampled_from(
    [*'{}[]",:\\ 0123456789.eE+-tfnul\x00\x1f\u00e9', "NaN", "\\u", "\\ud800", "\ud800"]
)


@settings(max_examples=400, deadline=None)
@given(
    row=json_rows,
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 2), _JSON_EDITS), max_size=3),
    as_bytes=st.booleans(),
)
def test_the_packer_takes_exactly_the_text_a_strict_json_parser_takes(
    row: dict[str, Any], edits: list[tuple[int, int, str]], as_bytes: bool
) -> None:
    # Valid rows, then a few characters inserted, deleted or replaced: near misses of every kind.
    text = json.dumps(row, ensure_ascii=False)
    for at, how, piece in edits:
        at %= len(text) + 1
        if how == 0:
            text = text[:at] + piece + text[at:]
        elif how == 1:
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + piece + text[at + 1 :]
    row_input: str | bytes = text.encode("utf-8", "surrogatepass") if as_bytes else text
    packer = Packer(threads=1)
    try:
        packer.pack(row_input)
        took = True
    except (InvalidJSONInput, RowError):
        took = False
    finally:
        packer.close()
    assert took == _reference_accepts(row_input), repr(row_input)


@settings(max_examples=150, deadline=None)
@given(
    row=json_rows,
    indent=st.sampled_from([None, 0, 2, "\t", " \r"]),
    separators=st.sampled_from([(",", ":"), (", ", ": "), (" ,\t", " :\n ")]),
    ensure_ascii=st.booleans(),
    before=st.text(alphabet=" \t\r\n", max_size=3),
    after=st.text(alphabet=" \t\r\n", max_size=3),
)
def test_json_text_with_any_whitespace_comes_back_equal_on_one_line(
    row: dict[str, Any],
    indent: int | str | None,
    separators: tuple[str, str],
    ensure_ascii: bool,
    before: str,
    after: str,
) -> None:
    text = before + json.dumps(row, indent=indent, separators=separators, ensure_ascii=ensure_ascii) + after
    lines = pack_rows([text.encode(), text], threads=1)
    expected = json.dumps(row, separators=(",", ":"), ensure_ascii=ensure_ascii).encode()
    assert lines == [expected, expected]
    assert same(json.loads(lines[0]), row)


# --- refused JSON text -------------------------------------------------------------------------------

_DEEPEST_OK = b'{"a":' + b"[" * 127 + b"]" * 127 + b"}"  # 128 levels, counting the row itself
_TOO_DEEP = b'{"a":' + b"[" * 128 + b"]" * 128 + b"}"  # 129 levels


@pytest.mark.parametrize(
    ("bad", "why", "at"),
    [
        pytest.param(b"null", "a JSON null is not a row", 0, id="null"),
        pytest.param(b"[1, 2]", "a JSON array is not a row", 0, id="array"),
        pytest.param(b'"text"', "a JSON scalar is not a row", 0, id="string-scalar"),
        pytest.param(b"12", "a JSON scalar is not a row", 0, id="number-scalar"),
        pytest.param(b"true", "a JSON scalar is not a row", 0, id="boolean-scalar"),
        pytest.param(b"", "the row is empty", 0, id="empty"),
        pytest.param(b" \t\r\n", "the row is empty", 4, id="whitespace-only"),
        pytest.param(b'{"a":1} {"b":2}', "unexpected data after the JSON object", 8, id="trailing-object"),
        pytest.param(b'{"a":1}x', "unexpected data after the JSON object", 7, id="trailing-byte"),
        pytest.param(b'{"a":"\xff"}', "not valid UTF-8", 6, id="invalid-utf8"),
        pytest.param(b'{"a":"\xc3"}', "not valid UTF-8", 6, id="truncated-utf8"),
        pytest.param(b'{"a":NaN}', "NaN and Infinity are not JSON numbers", 5, id="nan"),
        pytest.param(b'{"a":Infinity}', "NaN and Infinity are not JSON numbers", 5, id="infinity"),
        pytest.param(b'{"a":-Infinity}', "NaN and Infinity are not JSON numbers", 6, id="minus-infinity"),
        pytest.param(_TOO_DEEP, "nests deeper than 128 levels", 5 + 127, id="129-levels"),
        pytest.param(b'{"a":1,}', "expected a string key", 7, id="trailing-comma"),
        pytest.param(b'{"a":01}', "leading zero", 6, id="leading-zero"),
        pytest.param(b'{"a":"x', "the row ends inside a string", 7, id="unterminated-string"),
        pytest.param(b'{"a":"x\ty"}', "control character inside a string must be escaped", 7, id="raw-tab"),
        pytest.param(b'{"a":"\\x"}', "invalid escape", 7, id="invalid-escape"),
        pytest.param(b'{"a":1', "the row ends early", 6, id="unterminated-object"),
    ],
)
def test_bytes_that_are_not_one_json_object_are_refused_saying_why_and_where(
    bad: bytes, why: str, at: int
) -> None:
    err = refused(bad, InvalidJSONInput, why)
    assert byte_position(str(err)) == at


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param("null", id="null"),
        pytest.param("[{}]", id="array"),
        pytest.param("3.5", id="scalar"),
        pytest.param("", id="empty"),
        pytest.param("  \n", id="whitespace-only"),
        pytest.param('{"a":1} {"b":2}', id="trailing-object"),
        pytest.param('{"a":NaN}', id="nan"),
        pytest.param('{"a":1,"A":2}', id="duplicate-key-other-case"),
    ],
)
def test_str_rows_are_refused_like_the_same_bytes(bad: str) -> None:
    as_bytes = refused(bad.encode(), InvalidJSONInput)
    as_str = refused(bad, InvalidJSONInput)
    assert str(as_str) == str(as_bytes)


def test_128_levels_of_nesting_are_accepted_in_json_text() -> None:
    assert pack_line(_DEEPEST_OK) == _DEEPEST_OK


LONE_SURROGATE_ESCAPES = [
    pytest.param(b'{"a":"\\ud800"}', b"\\ud800", id="high-surrogate-alone"),
    pytest.param(b'{"a":"\\ud800\\u0041"}', b"\\ud800\\u0041", id="high-surrogate-then-not-low"),
    pytest.param(b'{"a":"\\udc00x"}', b"\\udc00", id="low-surrogate-alone"),
]


@pytest.mark.parametrize(("bad", "escapes"), LONE_SURROGATE_ESCAPES)
def test_a_lone_surrogate_escape_is_refused(bad: bytes, escapes: bytes) -> None:
    refused(bad, InvalidJSONInput, "a lone surrogate escape", "is not valid Unicode")


@pytest.mark.parametrize(("bad", "escapes"), LONE_SURROGATE_ESCAPES)
def test_a_lone_surrogate_escape_is_reported_at_the_escape(bad: bytes, escapes: bytes) -> None:
    err = refused(bad, InvalidJSONInput)
    start = bad.index(escapes)
    # The reported byte lies within the offending escape sequence(s), not after them.
    assert start <= byte_position(str(err)) < start + len(escapes)


def test_a_str_row_holding_a_lone_surrogate_is_refused() -> None:
    refused('{"a":"x\ud800"}', InvalidJSONInput, "the str holds a lone surrogate, which is not valid Unicode")


def test_a_str_row_holding_a_lone_surrogate_is_reported_at_the_surrogate() -> None:
    err = refused('{"a":"x\ud800"}', InvalidJSONInput)
    assert byte_position(str(err)) == len(b'{"a":"x')


@pytest.mark.parametrize(
    ("bad", "key"),
    [
        pytest.param(b'{"a":1,"a":2}', "a", id="same-key"),
        pytest.param(b'{"a": 1,  "A": 2}', "A", id="other-case"),
        pytest.param(b'{"ab":1,"\\u0041B":2}', "AB", id="escaped"),
    ],
)
def test_a_duplicate_key_is_refused_naming_the_key(bad: bytes, key: str) -> None:
    err = refused(bad, InvalidJSONInput, f"the key {key!r}".replace("'", '"'), "appears twice")
    # The key names the place; a byte position would point into the compacted row instead.
    assert "(at byte" not in str(err)


@pytest.mark.parametrize(
    ("row", "key"),
    [
        pytest.param({"id": 1, "ID": 2}, "ID", id="plain"),
        pytest.param({"Id": 1, "x": 0, "iD": 2}, "iD", id="both-upper"),
        pytest.param({'a"b': 1, 'A"B': 2}, 'A\\"B', id="escaped"),
    ],
)
def test_a_dict_whose_keys_differ_only_in_case_is_refused(row: dict[str, int], key: str) -> None:
    refused(row, RowError, f'the key "{key}" appears twice', "case-insensitively")


def test_dict_keys_that_differ_beyond_ascii_case_are_all_kept() -> None:
    # Columns match keys ignoring ASCII case only, so "É" and "é" are two keys, as are "ID" and "IDs".
    packer = Packer()
    packer.pack({"ID": 1, "IDs": 2, "É": 3, "é": 4})
    packer.close()
    assert [json.loads(line) for line in gzip.decompress(packer.next_part().data).splitlines()] == [
        {"ID": 1, "IDs": 2, "É": 3, "é": 4}
    ]


# --- refused dicts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "type_name"),
    [
        pytest.param({1, 2}, "set", id="set"),
        pytest.param(frozenset(), "frozenset", id="frozenset"),
        pytest.param(b"raw", "bytes", id="bytes"),
        pytest.param(bytearray(b"raw"), "bytearray", id="bytearray"),
        pytest.param(object(), "object", id="object"),
        pytest.param(1 + 2j, "complex", id="complex"),
        pytest.param(dt.timedelta(seconds=3), "timedelta", id="timedelta"),
    ],
)
def test_a_dict_value_of_an_unsupported_type_is_refused_naming_key_and_type(
    value: Any, type_name: str
) -> None:
    err = refused({"ok": 1, "bad_key": value}, UnsupportedValue, 'key "bad_key"', f"a {type_name} cannot")
    assert isinstance(err, TypeError)


def test_bytes_values_are_refused_with_a_hint_to_decode() -> None:
    refused({"b": b"x"}, UnsupportedValue, 'key "b"', "decode bytes to str first")


def test_an_unsupported_value_deep_inside_names_the_top_level_key() -> None:
    refused({"outer": {"inner": [1, {"set": {3}}]}}, UnsupportedValue, 'key "outer"', "a set cannot")


def test_a_non_str_key_is_refused() -> None:
    refused({"ok": 1, 7: "x"}, UnsupportedValue, "keys must be str, not int")


def test_a_non_str_key_in_a_nested_dict_is_refused() -> None:
    refused({"n": {(1, 2): "x"}}, UnsupportedValue, 'key "n"', "keys must be str, not tuple")


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")], ids=["nan", "inf", "-inf"])
def test_a_float_that_is_not_finite_is_refused(number: float) -> None:
    refused({"x": [number]}, UnsupportedValue, 'key "x"', "is not a JSON number")


@pytest.mark.parametrize("text", ["NaN", "sNaN", "-NaN", "Infinity", "-Infinity"])
def test_a_decimal_that_is_not_finite_is_refused(text: str) -> None:
    refused({"d": Decimal(text)}, UnsupportedValue, 'key "d"', "is not a JSON number")


def test_a_str_value_holding_a_lone_surrogate_is_refused() -> None:
    refused({"s": "a\udc80"}, UnsupportedValue, 'key "s"', "lone surrogate")


def test_a_str_key_holding_a_lone_surrogate_is_refused() -> None:
    refused({"k\ud800": 1}, UnsupportedValue, "lone surrogate")


def test_a_dict_that_contains_itself_is_refused_by_the_depth_limit() -> None:
    loop: dict[str, Any] = {}
    loop["me"] = loop
    refused(loop, UnsupportedValue, 'key "me"', "nests deeper than 128 levels")


def test_a_list_that_contains_itself_is_refused_by_the_depth_limit() -> None:
    loop: list[Any] = []
    loop.append(loop)
    refused({"l": loop}, UnsupportedValue, 'key "l"', "nests deeper than 128 levels")


def test_dicts_nest_as_deep_as_json_text_and_no_deeper() -> None:
    deepest: Any = 1
    for _ in range(127):
        deepest = [deepest]
    assert pack_line({"a": deepest}) == b'{"a":' + b"[" * 127 + b"1" + b"]" * 127 + b"}"
    refused({"a": [deepest]}, UnsupportedValue, 'key "a"', "nests deeper than 128 levels")


@pytest.mark.parametrize(
    ("row", "type_name"),
    [
        pytest.param(5, "int", id="int"),
        pytest.param([{"a": 1}], "list", id="list"),
        pytest.param(None, "NoneType", id="none"),
        pytest.param(("a", 1), "tuple", id="tuple"),
        pytest.param(bytearray(b"{}"), "bytearray", id="bytearray"),
        pytest.param(memoryview(b"{}"), "memoryview", id="memoryview"),
    ],
)
def test_a_row_that_is_not_a_dict_bytes_or_str_is_refused(row: Any, type_name: str) -> None:
    err = refused(
        row, UnsupportedValue, "a row is bytes or str holding one JSON object, or a dict", type_name
    )
    assert isinstance(err, TypeError)


# --- pack_many ---------------------------------------------------------------------------------------


def test_pack_many_returns_how_many_rows_it_packed() -> None:
    packer = Packer()
    assert packer.pack_many(iter([{"a": 1}, b'{"b":2}', '{"c":3}'])) == 3
    assert packer.pack_many([]) == 0
    assert close_and_read(packer) == [b'{"a":1}', b'{"b":2}', b'{"c":3}']


@pytest.mark.parametrize("bad_at", [0, 3, 2500, 4999])
def test_pack_many_packs_the_rows_before_a_refused_row_and_none_after(bad_at: int) -> None:
    # 5000 rows of about 120 bytes: the rows before the refused one span several internal batches.
    rows: list[Any] = [{"i": i, "pad": "p" * 100} for i in range(5000)]
    rows[bad_at] = b"[]"
    packer = Packer(buffer_size=64 * 1024)
    errors: list[InvalidJSONInput] = []

    def produce() -> None:
        with pytest.raises(InvalidJSONInput) as caught:
            packer.pack_many(rows)
        errors.append(caught.value)
        assert packer.stats().rows == bad_at

    lines = lines_of(with_consumer(packer, produce))
    assert errors[0].row == bad_at
    assert str(errors[0]).startswith(f"row {bad_at + 1} (index {bad_at}): a JSON array is not a row")
    assert lines == [compact(row) for row in rows[:bad_at]]


def test_a_packer_takes_rows_again_after_pack_many_refused_one() -> None:
    packer = Packer()
    with pytest.raises(UnsupportedValue) as caught:
        packer.pack_many([{"i": 0}, {"i": object()}, {"i": 2}])
    assert caught.value.row == 1
    assert packer.pack_many([{"i": 3}]) == 1
    assert close_and_read(packer) == [b'{"i":0}', b'{"i":3}']


def test_pack_many_keeps_the_rows_before_an_error_raised_by_the_iterable() -> None:
    def rows() -> Iterable[dict[str, int]]:
        yield {"i": 0}
        yield {"i": 1}
        raise LookupError("the source failed")

    packer = Packer()
    with pytest.raises(LookupError, match="the source failed"):
        packer.pack_many(rows())
    assert packer.stats().rows == 2
    assert close_and_read(packer) == [b'{"i":0}', b'{"i":1}']


# --- how dict values are written ---------------------------------------------------------------------


def test_a_naive_datetime_is_written_with_microseconds_only_when_not_zero() -> None:
    row = {"with": dt.datetime(2026, 1, 2, 3, 4, 5, 6), "without": dt.datetime(2026, 1, 2, 3, 4, 5)}
    assert pack_line(row) == b'{"with":"2026-01-02 03:04:05.000006","without":"2026-01-02 03:04:05"}'


PLUS_TWO = dt.timezone(dt.timedelta(hours=2))
MINUS_FIVE_THIRTY = dt.timezone(dt.timedelta(hours=-5, minutes=-30))


def test_an_aware_datetime_keeps_its_offset_where_no_column_says_otherwise() -> None:
    row = {
        "east": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=PLUS_TWO),
        "west": dt.datetime(2026, 12, 31, 23, 30, 0, 120000, tzinfo=MINUS_FIVE_THIRTY),
        "utc": dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc),
    }
    expected = (
        b'{"east":"2026-01-02T03:04:05+02:00","west":"2026-12-31T23:30:00.120000-05:30",'
        b'"utc":"2026-06-01T00:00:00+00:00"}'
    )
    assert pack_line(row) == expected
    columns = [Column("east", "timestamptz"), Column("west", "varchar(64)"), Column("utc", "super")]
    assert pack_line(row, columns=columns) == expected


def test_an_aware_datetime_into_a_timestamp_column_is_written_in_utc() -> None:
    # A timestamp column ignores a zone written in its input: written as it is, the instant would shift.
    row = {
        "east": dt.datetime(2026, 1, 2, 1, 4, 5, tzinfo=PLUS_TWO),
        "naive": dt.datetime(2026, 1, 2, 1, 4, 5),
    }
    columns = [Column("east", "timestamp"), Column("naive", "timestamp")]
    assert pack_line(row, columns=columns) == b'{"east":"2026-01-01 23:04:05","naive":"2026-01-02 01:04:05"}'


def test_an_offset_with_seconds_is_written_as_the_same_instant_in_utc() -> None:
    odd = dt.timezone(dt.timedelta(minutes=53, seconds=28))
    assert pack_line({"t": dt.datetime(2026, 1, 2, 1, 0, tzinfo=odd)}) == b'{"t":"2026-01-02T00:06:32+00:00"}'


@pytest.mark.parametrize(
    ("time_format", "value", "text"),
    [
        ("epochsecs", dt.datetime(2023, 11, 14, 22, 13, 20), b"1700000000"),
        (
            "epochsecs",
            dt.datetime(2023, 11, 14, 23, 13, 20, 500000, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            b"1700000000.5",
        ),
        ("epochmillisecs", dt.datetime(2023, 11, 14, 22, 13, 20, 123456), b"1700000000123.456"),
        ("epochsecs", dt.datetime(1969, 12, 31, 23, 59, 58, 500000), b"-1.5"),
        ("epochmillisecs", dt.date(1970, 1, 2), b"86400000"),
    ],
)
def test_datetimes_into_an_epoch_timestamp_column_are_numbers(
    time_format: str, value: Any, text: bytes
) -> None:
    for kind in ("timestamp", "timestamptz"):
        line = pack_line({"t": value}, columns=[Column("t", kind)], time_format=time_format)
        assert line == b'{"t":' + text + b"}"


def test_a_date_is_written_as_yyyy_mm_dd() -> None:
    assert (
        pack_line({"d": dt.date(2026, 1, 2), "old": dt.date(1, 1, 1)})
        == b'{"d":"2026-01-02","old":"0001-01-01"}'
    )


def test_a_time_is_written_with_its_offset_when_aware() -> None:
    row = {
        "naive": dt.time(10, 15),
        "micro": dt.time(23, 59, 59, 999999),
        "aware": dt.time(10, 15, 0, 250000, tzinfo=MINUS_FIVE_THIRTY),
    }
    assert pack_line(row) == b'{"naive":"10:15:00","micro":"23:59:59.999999","aware":"10:15:00.250000-05:30"}'
    columns = [Column("naive", "time"), Column("micro", "time"), Column("aware", "timetz")]
    assert pack_line(row, columns=columns) == pack_line(row)


def test_a_time_whose_offset_has_seconds_is_refused() -> None:
    odd = dt.timezone(dt.timedelta(seconds=30))
    refused({"t": dt.time(1, tzinfo=odd)}, UnsupportedValue, 'key "t"', "whose UTC offset has seconds")


def test_a_decimal_is_written_as_a_string_of_its_exact_digits() -> None:
    row = {
        "price": Decimal("1.50"),
        "long": Decimal("123456789012345678901234567890.000000000000000000001"),
        "negative": Decimal("-0.0010"),
        "exponent": Decimal("1E+3"),
        "small": Decimal("1E-7"),
        "huge": Decimal("1E+5000"),
    }
    line = pack_line(row)
    assert line == (
        b'{"price":"1.50","long":"123456789012345678901234567890.000000000000000000001",'
        b'"negative":"-0.0010","exponent":"1000","small":"0.0000001","huge":"1E+5000"}'
    )
    assert {key: Decimal(text) for key, text in json.loads(line).items()} == row


def test_a_decimal_in_a_document_stays_a_json_number() -> None:
    row = {"doc": Decimal("2.50"), "nested": {"price": Decimal("-0.10"), "list": [Decimal("1E+2")]}}
    columns = [Column("doc", "super"), Column("nested", "super")]
    assert pack_line(row, columns=columns) == b'{"doc":2.50,"nested":{"price":-0.10,"list":[100]}}'


def test_a_decimal_packs_exactly_into_a_numeric_column() -> None:
    value = Decimal("12345678901234567890123456.123456789012")
    line = pack_line({"n": value}, columns=[Column("n", "decimal(38,12)")])
    assert line == b'{"n":"12345678901234567890123456.123456789012"}'
    refused_value = {"n": Decimal("1234567890123456789012345678")}
    err = refused(
        refused_value, InvalidColumnValue, "Numeric data overflow", columns=[Column("n", "decimal(38,12)")]
    )
    assert err.value == '"1234567890123456789012345678"'


def test_a_uuid_is_written_as_its_canonical_string() -> None:
    value = uuid.UUID("12345678-9ABC-DEF0-1234-56789ABCDEF0")
    assert pack_line({"u": value, "low": uuid.UUID(int=5)}) == (
        b'{"u":"12345678-9abc-def0-1234-56789abcdef0","low":"00000000-0000-0000-0000-000000000005"}'
    )


def test_a_tuple_is_written_as_an_array() -> None:
    assert pack_line({"t": (1, ("a", None), ()), "l": [(True,)]}) == b'{"t":[1,["a",null],[]],"l":[[true]]}'


class Level(enum.IntEnum):
    HIGH = 7


class Colour(str, enum.Enum):
    RED = "red"


class Ratio(float):
    pass


class Name(str):
    pass


class Bag(dict):  # type: ignore[type-arg]
    pass


class Items(list):  # type: ignore[type-arg]
    pass


def test_subclasses_of_str_int_float_dict_and_list_are_written_as_their_base_values() -> None:
    row = {
        "level": Level.HIGH,
        "colour": Colour.RED,
        "ratio": Ratio(0.25),
        "name": Name("ann"),
        "bag": Bag(k=Level.HIGH),
        "items": Items([Colour.RED]),
        "ordered": OrderedDict([("z", 1), ("a", 2)]),
        "flag": True,
    }
    assert pack_line(row) == (
        b'{"level":7,"colour":"red","ratio":0.25,"name":"ann","bag":{"k":7},"items":["red"],'
        b'"ordered":{"z":1,"a":2},"flag":true}'
    )


def test_a_dict_subclass_row_is_written_like_a_dict() -> None:
    assert pack_line(Bag(a=1, b=[2])) == b'{"a":1,"b":[2]}'


def test_big_ints_keep_every_digit() -> None:
    row = {"a": 2**64, "b": -(2**200), "c": 10**50 + 1, "d": -(2**63), "e": 2**63 - 1}
    line = pack_line(row)
    assert line == (
        b'{"a":18446744073709551616,'
        b'"b":-1606938044258990275541962092341162602522202993782792835301376,'
        b'"c":100000000000000000000000000000000000000000000000001,'
        b'"d":-9223372036854775808,"e":9223372036854775807}'
    )
    assert json.loads(line) == row


def test_strings_escape_only_what_json_requires() -> None:
    row = {"s": 'q"b\\ \n\r\t\b\f \x00\x1f \x7f é \U0001f600 / \u2028'}
    line = pack_line(row)
    assert line == '{"s":"q\\"b\\\\ \\n\\r\\t\\b\\f \\u0000\\u001f \x7f é \U0001f600 / \u2028"}'.encode()
    assert json.loads(line) == row


def test_floats_are_written_as_the_shortest_text_that_reads_back_exactly() -> None:
    values = [0.1, 1 / 3, 1e16, 1e-7, 5e-324, 1.7976931348623157e308, -0.0, 100.0]
    row = {f"f{i}": value for i, value in enumerate(values)}
    back = json.loads(pack_line(row))
    assert [back[f"f{i}"].hex() for i in range(len(values))] == [value.hex() for value in values]
    assert all(isinstance(back[f"f{i}"], float) for i in range(len(values)))


# --- columns -----------------------------------------------------------------------------------------


def column(kind: str, *, not_null: bool = False) -> list[Column]:
    """A destination with one column ``c`` of ``kind``."""
    return [Column("c", kind, not_null=not_null)]


def accepted(kind: str, value: Any, **options: Any) -> bytes:
    """The line ``{"c": value}`` becomes in a column of ``kind``."""
    row = value if isinstance(value, bytes) else {"c": value}
    return pack_line(row, columns=column(kind, not_null=options.pop("not_null", False)), **options)


VALID = {
    "boolean": True,
    "float": 1.5,
    "int": 1,
    "bigint": 2,
    "date": "2026-01-02",
    "timestamp": "2026-01-02 03:04:05",
    "text": "x",
    "longtext": "y",
    "smallint": -32768,
    "decimal(10,2)": "12345678.99",
    "decimal(5,2)": -1.5,
    "decimal(19,0)": 7,
    "char(3)": "abc",
    "real": 0.25,
    "double precision": -2.5,
    "char(2)": "ab",
    "varchar(3)": "é!",
    "time": "10:15:00",
    "timetz": "10:15:00+02",
    "timestamptz": "2026-01-02T03:04:05-08:00",
    "super": {"a": [1, None, "x"]},
}
"""A value each column type takes, by a spelling a config may use for the type."""


def refused_by_column(kind: str, value: Any, reason: str, *, not_null: bool = False) -> InvalidColumnValue:
    """``{"c": value}`` refused by a column of ``kind`` because of ``reason``, naming column ``c``."""
    row = value if isinstance(value, bytes) else {"c": value}
    good = ({"c": VALID[kind]}, {"c": VALID[kind], "z": None})
    err = refused(row, InvalidColumnValue, reason, good=good, columns=column(kind, not_null=not_null))
    assert err.column == "c"
    assert reason in err.reason
    assert str(err) == f'column "c": {err.reason}: {err.value}'
    return err


@pytest.mark.parametrize(
    ("kind", "value", "text"),
    [
        pytest.param("int", 2147483647, b"2147483647", id="int-max"),
        pytest.param("int", -2147483648, b"-2147483648", id="int-min"),
        pytest.param("int", "12", b'"12"', id="int-as-string"),
        pytest.param("int", " -7 ", b'" -7 "', id="int-as-padded-string"),
        pytest.param("int", Level.HIGH, b"7", id="int-enum"),
        pytest.param("bigint", 2147483648, b"2147483648", id="bigint-beyond-int"),
        pytest.param("bigint", 2**63 - 1, b"9223372036854775807", id="bigint-max"),
        pytest.param("bigint", -(2**63), b"-9223372036854775808", id="bigint-min"),
        pytest.param("bigint", "-9223372036854775808", b'"-9223372036854775808"', id="bigint-min-as-string"),
    ],
)
def test_integer_columns_take_whole_numbers_in_range(kind: str, value: Any, text: bytes) -> None:
    assert accepted(kind, value) == b'{"c":' + text + b"}"


@pytest.mark.parametrize(
    ("kind", "value", "shown"),
    [
        pytest.param("int", 2147483648, "2147483648", id="int-max-plus-one"),
        pytest.param("int", -2147483649, "-2147483649", id="int-min-minus-one"),
        pytest.param("int", "2147483648", '"2147483648"', id="int-string-beyond"),
        pytest.param("bigint", 2**63, "9223372036854775808", id="bigint-max-plus-one"),
        pytest.param("bigint", -(2**63) - 1, "-9223372036854775809", id="bigint-min-minus-one"),
        pytest.param("bigint", 10**30, "1" + "0" * 30, id="bigint-huge"),
    ],
)
def test_integer_columns_refuse_numbers_out_of_range(kind: str, value: Any, shown: str) -> None:
    name, low, high = {"int": ("Integer", -(2**31), 2**31 - 1), "bigint": ("Long", -(2**63), 2**63 - 1)}[kind]
    err = refused_by_column(kind, value, f"Overflow ({name} valid range {low} to {high}) (load error 1207)")
    assert err.value == shown


@pytest.mark.parametrize(
    ("value", "shown", "digit"),
    [
        pytest.param(1.5, "1.5", "Value '.', Pos 1", id="fraction"),
        pytest.param(b'{"c":1e3}', "1e3", "Value 'e', Pos 1", id="exponent"),
        pytest.param(2.0, "2.0", "Value '.', Pos 1", id="float-whole"),
        pytest.param(Decimal("3.0"), '"3.0"', "Value '.', Pos 1", id="decimal-whole"),
        pytest.param("1.5", '"1.5"', "Value '.', Pos 1", id="string-fraction"),
        pytest.param("12a", '"12a"', "Value 'a', Pos 2", id="string-not-a-number"),
        pytest.param("-", '"-"', "Value '-', Pos 0", id="string-sign-only"),
    ],
)
def test_integer_columns_refuse_what_is_not_a_whole_number(value: Any, shown: str, digit: str) -> None:
    # Redshift's words for the first character at fault, its code, and what to write instead.
    err = refused_by_column(
        "int",
        value,
        f"Invalid digit, {digit}, Type: Integer (load error 1207); write a whole number, as a JSON number or "
        "a string of digits",
    )
    assert err.value == shown


@pytest.mark.parametrize(
    ("value", "first"),
    [(True, "t"), ([1], "["), ({"n": 1}, "{")],
    ids=["boolean", "array", "object"],
)
def test_integer_columns_refuse_values_of_other_json_types(value: Any, first: str) -> None:
    refused_by_column("bigint", value, f"Invalid digit, Value '{first}', Pos 0, Type: Long (load error 1207)")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(1.5, b"1.5", id="float"),
        pytest.param(10, b"10", id="int"),
        pytest.param(b'{"c":-1.5e300}', b"-1.5e300", id="exponent"),
        pytest.param("2.5", b'"2.5"', id="string"),
        pytest.param(Decimal("0.1"), b'"0.1"', id="decimal"),
    ],
)
def test_float_columns_take_finite_numbers(value: Any, text: bytes) -> None:
    assert accepted("float", value) == b'{"c":' + text + b"}"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("nan", id="nan-string"),
        pytest.param("inf", id="inf-string"),
        pytest.param("-Infinity", id="infinity-string"),
        pytest.param(b'{"c":1e400}', id="overflowing-number"),
        pytest.param("1,5", id="comma"),
    ],
)
def test_float_columns_refuse_what_is_not_a_finite_number(value: Any) -> None:
    err = refused_by_column("float", value, "Invalid float: ")
    assert "(load error 1208); write a finite number" in err.reason


def test_float_columns_refuse_values_of_other_json_types() -> None:
    refused_by_column(
        "float", [1.5], "Invalid float: Invalid digit, Value '[', Pos 0, Type: Double (load error 1208)"
    )


@pytest.mark.parametrize(
    "value",
    [True, False, 0, 1, "t", "f", "true", "FALSE", "yes", "No", "y", "N", "1", "0", " yes "],
    ids=repr,
)
def test_boolean_columns_take_redshift_spellings(value: Any) -> None:
    assert accepted("boolean", value) == compact({"c": value})


@pytest.mark.parametrize(
    ("value", "kind_name"),
    [(2, "number"), (-1, "number"), (1.0, "number"), ("maybe", "string"), ("on", "string"), ([], "array")],
    ids=repr,
)
def test_boolean_columns_refuse_other_values(value: Any, kind_name: str) -> None:
    refused_by_column(
        "boolean",
        value,
        "Invalid boolean value: use true/false, t/f, yes/no, y/n or 1/0 (load error 1210); write true or "
        "false, 1 or 0, or one of the strings t, f, yes, no, y, n",
    )


TIMEFORMAT_AUTO = [
    "2026-11-21T10:15:00",
    "2026-11-21 10:15:00",
    "2026-11-21T10:15:00Z",
    "2026-11-21T10:15:00+02:00",
    "2026-11-21T10:15:00-0800",
    "2026-11-21 10:15:00.123456",
    "2026-11-21 10:15:00 UTC",
    "2026-11-21",
    "20261121 101500",
    "20261121T101500",
    "11/21/2026 10:15:00",
    "21.11.2026 10:15:00",
    "21 Nov 10:15:00 2026",
    "J2461366",
    "2026.325",
    "2024-02-29 00:00:00",
]


@pytest.mark.parametrize("kind", ["timestamp", "date"])
@pytest.mark.parametrize("text", TIMEFORMAT_AUTO)
def test_date_and_timestamp_columns_take_timeformat_auto_strings(kind: str, text: str) -> None:
    assert accepted(kind, text) == compact({"c": text})


@pytest.mark.parametrize("kind", ["timestamp", "date"])
@pytest.mark.parametrize(
    "text",
    [
        "2026-02-30",
        "2026-02-29",
        "2026-13-01",
        "2026-11-31 00:00:00",
        "2026-11-21T24:00:00",
        "2026-11-21T10:60:00",
        "2026-11-21T10:15:00+25:00",
        "2026/11/21",
        "yesterday",
        "1700000000",
    ],
)
def test_date_and_timestamp_columns_refuse_impossible_or_unknown_strings(kind: str, text: str) -> None:
    code = {"date": 1205, "timestamp": 1206}[kind]
    err = refused_by_column(kind, text, f"Invalid {kind} format or value [auto] (load error {code})")
    assert err.value == json.dumps(text)


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        ("timestamp", 1700000000, "Invalid timestamp format or value [auto]: 'auto' reads no epoch numbers"),
        ("timestamp", True, "Invalid timestamp format or value [auto] (load error 1206)"),
        ("date", 1700000000, "Invalid date format or value [auto] (load error 1205)"),
        ("date", True, "Invalid date format or value [auto] (load error 1205)"),
    ],
)
def test_date_and_timestamp_columns_refuse_non_strings(kind: str, value: Any, reason: str) -> None:
    refused_by_column(kind, value, reason)


def test_dict_dates_and_datetimes_fit_their_columns() -> None:
    columns = [Column("d", "date"), Column("ts", "timestamp"), Column("tz", "timestamp")]
    row = {
        "d": dt.date(2026, 11, 21),
        "ts": dt.datetime(2026, 11, 21, 10, 15, 0, 5),
        "tz": dt.datetime(2026, 11, 21, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    }
    # An aware datetime into a timestamp column is converted to UTC: the column keeps no zone.
    assert pack_line(row, columns=columns) == (
        b'{"d":"2026-11-21","ts":"2026-11-21 10:15:00.000005","tz":"2026-11-21 09:15:00"}'
    )


# The Go tools' names and the spelling messages give each type.
CANONICAL = {"int": "integer", "float": "double precision"}
CANONICAL.update((kind, kind) for kind in ("boolean", "bigint", "date", "timestamp"))


@pytest.mark.parametrize("kind", ["boolean", "float", "int", "bigint", "date", "timestamp"])
def test_an_empty_string_is_accepted_in_a_nullable_non_text_column(kind: str) -> None:
    assert accepted(kind, "") == b'{"c":""}'
    packer = Packer(columns=column(kind))
    packer.pack({"c": ""})
    assert packer.stats().keys["c"].types == ["string"]


@pytest.mark.parametrize("kind", ["boolean", "float", "int", "bigint", "date", "timestamp"])
def test_an_empty_string_is_refused_in_a_not_null_non_text_column(kind: str) -> None:
    err = refused_by_column(
        kind,
        "",
        f"an empty string loads as NULL into a {CANONICAL[kind]} column, and the column is NOT NULL",
        not_null=True,
    )
    assert err.value == '""'


@pytest.mark.parametrize("kind", ["boolean", "float", "int", "bigint", "date", "timestamp"])
def test_a_blank_string_loads_as_null_outside_text_columns(kind: str) -> None:
    # Redshift: "blank fields of other types are always NULL", so a nullable column takes one.
    assert accepted(kind, " \t ") == b'{"c":" \\t "}'
    refused_by_column(
        kind,
        " ",
        f"a blank string loads as NULL into a {CANONICAL[kind]} column, and the column is NOT NULL",
        not_null=True,
    )


def test_an_empty_string_is_accepted_in_a_not_null_text_column() -> None:
    assert accepted("text", "", not_null=True) == b'{"c":""}'


@pytest.mark.parametrize(
    ("kind", "fits"),
    [
        pytest.param("text", "é" * 128, id="text-128-two-byte-chars"),
        pytest.param("text", "x" * 256, id="text-256-ascii"),
        pytest.param("text", "\U0001f600" * 64, id="text-64-four-byte-chars"),
        pytest.param("text", "\n" * 256, id="text-256-escaped-newlines"),
        pytest.param("longtext", "x" * 65535, id="longtext-65535"),
        pytest.param("longtext", "é" * 32767 + "x", id="longtext-65535-mixed"),
    ],
)
def test_text_columns_take_values_up_to_their_width_in_utf8_bytes(kind: str, fits: str) -> None:
    assert accepted(kind, fits) == compact({"c": fits})


@pytest.mark.parametrize(
    ("kind", "too_long", "size", "width"),
    [
        pytest.param("text", "é" * 129, 258, 256, id="text-129-two-byte-chars"),
        pytest.param("text", "x" * 257, 257, 256, id="text-257-ascii"),
        pytest.param("text", "\n" * 257, 257, 256, id="text-257-escaped-newlines"),
        pytest.param("longtext", "x" * 65536, 65536, 65535, id="longtext-65536"),
    ],
)
def test_text_columns_refuse_values_wider_than_their_width(
    kind: str, too_long: str, size: int, width: int
) -> None:
    err = refused_by_column(
        kind,
        too_long,
        f"String length exceeds DDL length (load error 1204); the value is {size} bytes of UTF-8 and "
        f"varchar({width}) holds {width}",
    )
    assert len(err.value) < 80
    assert err.value.endswith(f"… ({len(json.dumps(too_long, ensure_ascii=False).encode())} bytes)")


def test_a_nested_value_in_a_text_column_counts_its_json_text() -> None:
    assert accepted("text", {"k": "x" * 240}) == compact({"c": {"k": "x" * 240}})
    refused_by_column("text", {"k": "x" * 256}, "the value is 264 bytes of UTF-8 and varchar(256) holds 256")


def test_a_refused_value_is_shown_shortened_with_its_size() -> None:
    err = refused_by_column("text", "x" * 300, "the value is 300 bytes of UTF-8")
    assert err.value == '"' + "x" * 59 + "… (302 bytes)"


@pytest.mark.parametrize(
    ("kind", "value", "kept"),
    [
        pytest.param("text", "a" + "é" * 200, "a" + "é" * 127, id="text-cut-before-a-two-byte-char"),
        pytest.param("text", "x" * 300, "x" * 256, id="text-ascii"),
        pytest.param("text", "ab" + "\U0001f600" * 70, "ab" + "\U0001f600" * 63, id="text-four-byte-chars"),
        pytest.param("text", "\n" * 300, "\n" * 256, id="text-escaped"),
        pytest.param("longtext", "é" * 40000, "é" * 32767, id="longtext"),
        pytest.param("text", {"k": "x" * 300}, '{"k":"' + "x" * 250, id="text-nested-json-text"),
    ],
)
def test_truncate_long_text_cuts_at_a_character_boundary_within_the_width(
    kind: str, value: Any, kept: str
) -> None:
    packer = Packer(columns=[Column("c", kind), ("n", "int")], truncate_long_text=True)
    packer.pack({"n": 1, "c": value, "z": [1]})
    stats = packer.stats()
    line = close_and_read(packer)[0]
    assert line == compact({"n": 1, "c": kept, "z": [1]})
    assert len(kept.encode()) <= (256 if kind == "text" else 65535)
    assert stats.keys["c"].max_bytes == len(kept.encode())


def test_truncate_long_text_leaves_values_that_fit_alone() -> None:
    row = {"c": "é" * 128}
    assert pack_line(row, columns=column("text"), truncate_long_text=True) == compact(row)


def test_a_null_in_a_not_null_column_is_refused() -> None:
    err = refused_by_column("int", None, "null in a NOT NULL column", not_null=True)
    assert err.value == "null"


def test_a_missing_key_of_a_not_null_column_is_refused() -> None:
    columns = [Column("id", "int", not_null=True), Column("name", "text")]
    err = refused(
        {"name": "no id"},
        InvalidColumnValue,
        "the row has no such key, so COPY would load NULL, and the column is NOT NULL",
        good=({"id": 1}, {"id": 2, "name": "x"}),
        columns=columns,
    )
    assert (err.column, err.value) == ("id", "(missing)")


def test_a_missing_key_of_a_nullable_column_is_accepted() -> None:
    assert pack_line({"other": 1}, columns=[Column("id", "int")]) == b'{"other":1}'


def test_keys_match_columns_case_insensitively() -> None:
    columns = [Column("user_id", "int", not_null=True), Column("Name", "text")]
    packer = Packer(columns=columns)
    packer.pack({"USER_ID": 1, "name": "a"})
    packer.pack(b'{"User_Id": 2, "NAME": null}')
    with pytest.raises(InvalidColumnValue) as caught:
        packer.pack({"User_ID": 2147483648})
    assert caught.value.column == "user_id"
    with pytest.raises(InvalidColumnValue) as caught:
        packer.pack({"user_id": 1, "nAmE": "x" * 257})
    assert caught.value.column == "Name"
    keys = packer.stats().keys
    assert close_and_read(packer) == [b'{"USER_ID":1,"name":"a"}', b'{"User_Id":2,"NAME":null}']
    assert list(keys) == ["USER_ID", "name"]
    assert (keys["USER_ID"].key, keys["USER_ID"].count, keys["USER_ID"].column) == ("USER_ID", 2, "user_id")
    assert (keys["name"].count, keys["name"].nulls, keys["name"].column) == (2, 1, "Name")


def test_keys_without_a_column_are_kept_and_counted_with_no_column() -> None:
    packer = Packer(columns=[Column("id", "int")])
    packer.pack({"id": 1, "extra": {"nested": [1, 2]}, "more": "text"})
    keys = packer.stats().keys
    assert close_and_read(packer) == [b'{"id":1,"extra":{"nested":[1,2]},"more":"text"}']
    assert keys["id"].column == "id"
    assert keys["extra"].column is None
    assert keys["more"].column is None
    assert keys["more"].max_bytes == 4


def test_columns_may_be_given_as_tuples() -> None:
    columns = [("id", "int", True), ("n", "bigint"), ("flag", "boolean", False)]
    packer = Packer(columns=columns)
    packer.pack({"id": 1, "n": 2**40, "flag": "yes"})
    packer.pack({"id": 2})
    with pytest.raises(InvalidColumnValue) as caught:
        packer.pack({"n": 1})
    assert caught.value.column == "id"
    with pytest.raises(InvalidColumnValue) as caught:
        packer.pack({"id": 3, "flag": "maybe"})
    assert caught.value.column == "flag"
    assert close_and_read(packer) == [b'{"id":1,"n":1099511627776,"flag":"yes"}', b'{"id":2}']


def test_columns_may_be_column_objects_of_every_type() -> None:
    columns = [Column(name, kind) for kind, name in ((kind, f"c_{kind}") for kind in VALID)]
    row = {f"c_{kind}": value for kind, value in VALID.items()}
    assert pack_line(row, columns=columns) == compact(row)
    assert pack_line({}, columns=columns) == b"{}"
    assert pack_line(dict.fromkeys(row), columns=columns) == compact(dict.fromkeys(row))


def test_keys_find_their_columns_whatever_the_order_and_case_of_each_row() -> None:
    # Rows usually share a layout, which the packer uses to find columns fast; rows that do not
    # must still be checked against the right column.
    packer = Packer(columns=[Column("a", "int"), Column("b", "text", not_null=True), Column("c", "date")])
    good = [
        {"a": 1, "b": "x", "c": "2026-11-21"},
        {"c": "2026-11-22", "b": "y", "a": 2},
        {"B": "z", "A": 3},
        {"extra": 0, "b": "w", "a": 4},
        {"a\u0041": 0, "b": "v"},
    ]
    packer.pack_many(good)
    packer.pack(b'{"\\u0062":"escaped","a":5}')
    with pytest.raises(InvalidColumnValue) as caught:
        packer.pack({"b": "q", "a": "2026-11-21"})
    assert caught.value.column == "a"
    with pytest.raises(InvalidColumnValue) as caught:
        packer.pack({"c": 7, "b": "q"})
    assert caught.value.column == "c"
    with pytest.raises(InvalidColumnValue, match="NOT NULL"):
        packer.pack({"a": 6, "c": "2026-11-21"})
    assert packer.stats().rows == len(good) + 1
    packer.close()


def test_a_refused_column_value_reports_the_row_of_pack_many() -> None:
    packer = Packer(columns=column("int"))
    with pytest.raises(InvalidColumnValue) as caught:
        packer.pack_many([{"c": 1}, {"c": 2}, {"c": "x"}])
    assert caught.value.row == 2
    assert (caught.value.column, caught.value.value) == ("c", '"x"')
    assert str(caught.value) == (
        "row 3 (index 2): column \"c\": Invalid digit, Value 'x', Pos 0, Type: Integer (load error 1207); "
        'write a whole number, as a JSON number or a string of digits (no fraction or exponent): "x"'
    )
    assert close_and_read(packer) == [b'{"c":1}', b'{"c":2}']


@pytest.mark.parametrize(
    "spelling",
    [
        "int2",
        "INTEGER",
        "int4",
        "int8",
        "numeric",
        "DECIMAL(38, 37)",
        "float4",
        "float8",
        "double  precision",
        "bool",
        "character(10)",
        "nchar",
        "bpchar",
        "character varying(32)",
        "nvarchar(max)",
        "varchar",
        "time without time zone",
        "time with time zone",
        "timestamp without time zone",
        "timestamp with time zone",
        "SUPER",
    ],
)
def test_columns_take_every_sql_spelling_of_a_type(spelling: str) -> None:
    packer = Packer(columns=[("c", spelling)])
    packer.pack({"c": None})
    assert packer.stats().rows == 1


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        ("smallint", 32768, "Overflow (Short valid range -32768 to 32767) (load error 1207)"),
        ("decimal(5,2)", "1000", "Numeric data overflow: numeric(5,2) holds 3 digits before the point"),
        ("decimal(19,0)", "9999999999999999999", "numeric(19,0) holds at most 9223372036854775807"),
        ("real", 1e39, "Invalid float: Overflow, the value is out of range for Type: Real (load error 1208)"),
        ("char(3)", "é", "Multibyte character not supported for CHAR (Hint: Try using VARCHAR)"),
        ("char(3)", "abcd", "the value is 4 bytes of UTF-8 and char(3) holds 3"),
        ("varchar(3)", "éé", "the value is 4 bytes of UTF-8 and varchar(3) holds 3"),
        (
            "varchar(3)",
            "a\x00",
            "String contains an invalid character: NUL (\\u0000) cannot be stored (load error 1220)",
        ),
        ("time", "24:00:01", "Invalid time format or value [auto] (load error 1206)"),
        ("timetz", "10:15:00+15", "Invalid timetz value: the offset is beyond 14:59 (load error 1206)"),
        (
            "timestamptz",
            "0001-01-01 00:30:00+01",
            "Invalid timestamp format or value [auto] (load error 1206)",
        ),
        ("super", ["x" * 65536], "A string in the SUPER value exceeds 65535 bytes (load error 1224)"),
    ],
)
def test_every_type_refuses_what_the_load_would_with_its_code(kind: str, value: Any, reason: str) -> None:
    refused_by_column(kind, value, reason)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("smallint", "-32768"),
        ("decimal(5,2)", "999.999"),
        ("decimal(19,18)", "9.223372036854775807"),
        ("decimal(38,0)", int("9" * 38)),
        ("char(3)", "abc   "),
        ("varchar(3)", "é "),
        ("time", "24:00:00"),
        ("timetz", "10:15:00-14:59"),
        ("timestamptz", "9999-12-31 23:59:59.999999Z"),
        ("super", ""),
        ("super", ["x" * 65535]),
    ],
)
def test_every_type_takes_values_at_its_edges(kind: str, value: Any) -> None:
    packer = Packer(columns=column(kind))
    packer.pack({"c": value})
    assert packer.stats().rows == 1
    packer.close()


def test_blanks_beyond_the_width_are_cut_as_the_load_cuts_them() -> None:
    # Redshift cuts trailing blanks that do not fit, without TRUNCATECOLUMNS: the packer writes what loads.
    assert accepted("varchar(3)", "ab    ") == b'{"c":"ab "}'
    assert accepted("char(3)", "abc  ") == b'{"c":"abc"}'


def test_round_decimals_rounds_where_the_load_would_and_overflows_where_it_would() -> None:
    columns = [Column("n", "decimal(5,2)")]
    assert pack_line({"n": "999.995"}, columns=columns) == b'{"n":"999.995"}'
    err = refused(
        {"n": "999.995"}, InvalidColumnValue, "Numeric data overflow", columns=columns, round_decimals=True
    )
    assert err.column == "n"
    assert pack_line({"n": "999.994"}, columns=columns, round_decimals=True) == b'{"n":"999.994"}'


def test_the_time_format_decides_what_a_timestamp_column_takes() -> None:
    columns = [Column("t", "timestamp")]
    assert pack_line({"t": 1700000000}, columns=columns, time_format="epochsecs") == b'{"t":1700000000}'
    refused({"t": "2026-11-21"}, InvalidColumnValue, "[epochsecs]", columns=columns, time_format="epochsecs")
    refused({"t": 1700000000}, InvalidColumnValue, "'auto' reads no epoch numbers", columns=columns)


def test_accept_invalid_chars_is_taken_and_changes_no_verdict_on_valid_text() -> None:
    # A packed row is always valid UTF-8; the noncharacters ACCEPTINVCHARS replaces keep their length.
    columns = [Column("c", "varchar(7)")]
    row = {"c": "a\ufdd0\uffff"}
    assert pack_line(row, columns=columns, accept_invalid_chars="?") == compact(row)
    refused(b'{"c":"\xff"}', InvalidJSONInput, "not valid UTF-8", columns=columns, accept_invalid_chars="?")


# --- data timestamps ---------------------------------------------------------------------------------


def test_parts_and_stats_carry_the_earliest_and_latest_data_timestamps() -> None:
    rng = random.Random(11)
    zones = ["", "Z", "+02:00", "-0800", " UTC", "+05:30"]
    walls = [dt.datetime(2026, 11, 21) + dt.timedelta(seconds=rng.randrange(86400 * 30)) for _ in range(400)]
    rows = []
    for i, wall in enumerate(walls):
        sep = "T" if i % 2 else " "
        stamp = wall.replace(microsecond=rng.choice([0, 500000, 123456]))
        walls[i] = stamp
        rows.append({"i": i, "ts": stamp.isoformat(sep=sep) + zones[i % len(zones)]})
    packer = Packer(buffer_size=2048, data_timestamp_column="ts")
    parts = with_consumer(packer, lambda: packer.pack_many(rows))
    assert len(parts) > 5
    for part in parts:
        inside = [walls[json.loads(line)["i"]] for line in part_text(part).split(b"\n")[:-1]]
        assert (part.min_data_timestamp, part.max_data_timestamp) == (min(inside), max(inside))
        assert part.min_data_timestamp.tzinfo is None
    stats = packer.stats()
    assert (stats.min_data_timestamp, stats.max_data_timestamp) == (min(walls), max(walls))


def test_an_offset_in_a_data_timestamp_is_ignored_like_redshift_does() -> None:
    packer = Packer(data_timestamp_column="ts")
    packer.pack({"ts": "2026-11-21T23:30:00-08:00"})
    part = take_all(packer)[0]
    assert part.min_data_timestamp == part.max_data_timestamp == dt.datetime(2026, 11, 21, 23, 30)


def test_the_data_timestamp_key_matches_case_insensitively() -> None:
    packer = Packer(data_timestamp_column="Event_TS")
    packer.pack({"EVENT_ts": "2026-11-21 10:00:00"})
    packer.pack(b'{"event_ts": "2026-11-22 11:00:00.25"}')
    stats = packer.stats()
    assert stats.min_data_timestamp == dt.datetime(2026, 11, 21, 10)
    assert stats.max_data_timestamp == dt.datetime(2026, 11, 22, 11, 0, 0, 250000)


def test_a_datetime_as_data_timestamp_is_dated_by_what_is_written() -> None:
    # Without columns an aware datetime keeps its offset, which a timestamp column ignores.
    aware = dt.datetime(2026, 11, 21, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    packer = Packer(data_timestamp_column="ts")
    packer.pack({"ts": aware})
    packer.pack({"ts": dt.datetime(2026, 11, 21, 5, 0, 0, 7)})
    stats = packer.stats()
    assert stats.min_data_timestamp == dt.datetime(2026, 11, 21, 1, 0)
    assert stats.max_data_timestamp == dt.datetime(2026, 11, 21, 5, 0, 0, 7)
    # Into a timestamp column it is written, and dated, in UTC; a timestamptz column dates the instant.
    for kind in ("timestamp", "timestamptz"):
        packer = Packer(data_timestamp_column="ts", columns=[Column("ts", kind)])
        packer.pack({"ts": aware})
        assert packer.stats().min_data_timestamp == dt.datetime(2026, 11, 20, 22, 0)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        pytest.param("soon", "the data timestamp is not a timestamp TIMEFORMAT 'auto' reads", id="word"),
        pytest.param("2026-02-30 10:00:00", "the data timestamp is not a timestamp", id="impossible-date"),
        pytest.param(
            1700000000,
            'the data timestamp must be a string such as "2026-11-21T10:15:00Z", not a number',
            id="number",
        ),
        pytest.param(True, "must be a string such as", id="boolean"),
        pytest.param(["2026-11-21"], "not a array", id="array"),
    ],
)
def test_a_row_whose_data_timestamp_is_not_a_timestamp_is_refused_without_columns(
    value: Any, reason: str
) -> None:
    err = refused({"ts": value}, InvalidColumnValue, reason, data_timestamp_column="ts")
    assert err.column == "ts"
    assert reason in err.reason


@pytest.mark.parametrize("row", [{"ts": None}, {"other": 1}, {"ts": ""}], ids=["null", "missing", "empty"])
def test_a_row_without_a_data_timestamp_is_accepted_and_dates_nothing(row: dict[str, Any]) -> None:
    packer = Packer(data_timestamp_column="ts")
    packer.pack(row)
    stats = packer.stats()
    part = take_all(packer)[0]
    assert part_text(part) == compact(row) + b"\n"
    assert (part.min_data_timestamp, part.max_data_timestamp) == (None, None)
    assert (stats.min_data_timestamp, stats.max_data_timestamp) == (None, None)


def test_without_a_data_timestamp_column_parts_carry_no_timestamps() -> None:
    packer = Packer()
    packer.pack({"ts": "2026-11-21 10:00:00"})
    part = take_all(packer)[0]
    assert (part.min_data_timestamp, part.max_data_timestamp) == (None, None)
    assert packer.stats().min_data_timestamp is None


# --- backpressure ------------------------------------------------------------------------------------


def wait_until_stable(read: Callable[[], int], *, still_for: float = 0.5, limit: float = 20.0) -> int:
    """Poll ``read()`` until it has not changed for ``still_for`` seconds; fail after ``limit``."""
    deadline = time.monotonic() + limit
    value = read()
    since = time.monotonic()
    while time.monotonic() - since < still_for:
        assert time.monotonic() < deadline, f"still changing after {limit} s (now {value})"
        time.sleep(0.01)
        now = read()
        if now != value:
            value, since = now, time.monotonic()
    return value


def test_without_a_consumer_pack_blocks_with_a_bounded_number_of_rows() -> None:
    rows = [b'{"i":%d}' % (1_000_000 + i) for i in range(2000)]
    row_bytes = len(rows[0]) + 1  # every row has the same size, newline included
    buffer_size = 100
    per_part = buffer_size // row_bytes
    # Two parts wait to be taken, and the buffer being filled holds one more part's rows.
    bound = 2 * per_part + per_part
    packer = Packer(buffer_size=buffer_size, max_parts_in_flight=2, threads=1)
    done = threading.Event()

    def produce() -> None:
        for row in rows:
            packer.pack(row)
        done.set()

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    blocked_at = wait_until_stable(lambda: packer.stats().rows)
    assert producer.is_alive()
    assert not done.is_set()
    assert packer.parts_in_flight == 2
    assert blocked_at <= bound
    assert blocked_at == bound  # it blocks only when the next row needs a part cut and there is no room

    parts: list[Part] = []
    deadline = time.monotonic() + WAIT
    while not done.is_set():
        assert time.monotonic() < deadline, "the producer never finished"
        part = packer.next_part(timeout=0.05)
        if part is not None:
            parts.append(part)
    producer.join(WAIT)
    closer = threading.Thread(target=packer.close, daemon=True)
    closer.start()
    parts.extend(packer)
    closer.join(WAIT)
    assert not closer.is_alive()
    assert [part.number for part in parts] == list(range(len(parts)))
    assert lines_of(parts) == rows


def test_a_pack_blocked_without_a_consumer_is_interrupted_by_ctrl_c() -> None:
    script = textwrap.dedent(
        """
        import signal, sys, threading, time
        from rio._core import Packer

        # A shell may start the tests with SIGINT ignored, which the child would inherit.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        packer = Packer(buffer_size=10, max_parts_in_flight=1, threads=1)

        def watch():
            last = -1
            while True:
                rows = packer.stats().rows
                if rows == last and packer.parts_in_flight == 1:
                    print("blocked", flush=True)
                    return
                last = rows
                time.sleep(0.2)

        threading.Thread(target=watch, daemon=True).start()
        try:
            for i in range(10_000_000):
                packer.pack(b'{"i":%d}' % i)
        except KeyboardInterrupt:
            print("KeyboardInterrupt in pack after", packer.stats().rows, "rows", flush=True)
            sys.exit(0)
        print("pack never blocked", flush=True)
        sys.exit(1)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        ready, _, _ = select.select([child.stdout], [], [], 30)
        assert ready, "the child never reported that pack blocked"
        assert child.stdout.readline() == "blocked\n"
        started = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=10)
        elapsed = time.monotonic() - started
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, err
    assert out == "KeyboardInterrupt in pack after 2 rows\n"
    assert elapsed < 5


# --- lifecycle ---------------------------------------------------------------------------------------


def test_flush_makes_a_part_of_a_partial_buffer() -> None:
    packer = Packer()
    packer.pack_many([{"a": 1}, {"a": 2}, {"a": 3}])
    assert packer.next_part(timeout=0.05) is None
    packer.flush()
    part = packer.next_part(timeout=WAIT)
    assert part is not None
    assert (part.number, part.rows) == (0, 3)
    assert part_text(part) == b'{"a":1}\n{"a":2}\n{"a":3}\n'
    packer.pack({"a": 4})
    assert [part.number for part in take_all(packer)] == [1]


def test_flush_on_an_empty_packer_makes_no_part() -> None:
    packer = Packer()
    packer.flush()
    packer.pack({"a": 1})
    packer.flush()
    packer.flush()
    assert packer.stats().parts == 1
    assert [part.rows for part in take_all(packer)] == [1]


def test_next_part_returns_none_when_nothing_is_ready_within_the_timeout() -> None:
    packer = Packer()
    packer.pack({"a": 1})
    started = time.monotonic()
    assert packer.next_part(timeout=0.05) is None
    assert 0.04 <= time.monotonic() - started < 5
    assert packer.next_part(timeout=0) is None


@pytest.mark.parametrize("timeout", [-1.0, float("nan"), float("inf")])
def test_next_part_refuses_a_timeout_that_is_not_a_number_of_seconds(timeout: float) -> None:
    with pytest.raises(ValueError, match="timeout must be a number of seconds"):
        Packer().next_part(timeout=timeout)


def test_once_closed_and_drained_next_part_returns_none_at_once() -> None:
    packer = Packer()
    packer.pack({"a": 1})
    packer.close()
    assert packer.next_part(timeout=WAIT) is not None
    started = time.monotonic()
    assert packer.next_part(timeout=WAIT) is None
    assert packer.next_part() is None
    assert time.monotonic() - started < 5


def test_iteration_ends_after_the_last_part_once_closed() -> None:
    packer = Packer(buffer_size=64)
    packer.pack_many([{"i": i} for i in range(20)])
    taken = [packer.next_part(timeout=WAIT)]
    packer.close()
    taken.extend(packer)
    assert [part.number for part in taken if part is not None] == list(range(len(taken)))
    assert sorted(json.loads(line)["i"] for line in lines_of(p for p in taken if p is not None)) == list(
        range(20)
    )
    assert list(packer) == []


def test_closing_an_empty_packer_makes_no_part() -> None:
    packer = Packer()
    packer.close()
    assert list(packer) == []
    assert packer.stats().parts == 0


def test_close_twice_is_harmless() -> None:
    packer = Packer()
    packer.pack({"a": 1})
    packer.close()
    packer.close()
    assert packer.closed
    assert close_and_read(packer) == [b'{"a":1}']


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda packer: packer.pack({"a": 1}), id="pack"),
        pytest.param(lambda packer: packer.pack_many([{"a": 1}]), id="pack_many"),
        pytest.param(lambda packer: packer.flush(), id="flush"),
        pytest.param(lambda packer: packer.pack(b"not json"), id="pack-a-bad-row"),
        pytest.param(lambda packer: packer.pack_many([b"[]"]), id="pack_many-a-bad-row"),
    ],
)
def test_the_packer_takes_nothing_after_close(call: Callable[[Packer], object]) -> None:
    packer = Packer()
    packer.pack({"kept": 1})
    packer.close()
    assert packer.closed
    with pytest.raises(PackerClosed, match="the packer is closed") as caught:
        call(packer)
    assert isinstance(caught.value, RioError)
    assert not isinstance(caught.value, RowError)
    assert close_and_read(packer) == [b'{"kept":1}']


def test_the_context_manager_closes_the_packer() -> None:
    with Packer() as packer:
        assert not packer.closed
        packer.pack({"a": 1})
    assert packer.closed
    assert lines_of(packer) == [b'{"a":1}']


def test_the_context_manager_closes_on_an_error_and_lets_it_through() -> None:
    packer = Packer()

    def fail_inside() -> None:
        with packer:
            packer.pack({"a": 1})
            raise KeyError("inside")

    with pytest.raises(KeyError, match="inside"):
        fail_inside()
    assert packer.closed
    assert lines_of(packer) == [b'{"a":1}']


def test_parts_in_flight_counts_parts_cut_and_not_taken() -> None:
    packer = Packer(max_parts_in_flight=3)
    assert packer.parts_in_flight == 0
    packer.pack({"a": 1})
    assert packer.parts_in_flight == 0
    packer.flush()
    packer.pack({"a": 2})
    packer.flush()
    assert packer.parts_in_flight == 2
    assert packer.next_part(timeout=WAIT) is not None
    assert packer.parts_in_flight == 1
    packer.close()
    assert len(list(packer)) == 1
    assert packer.parts_in_flight == 0


def test_stats_count_rows_parts_and_bytes() -> None:
    rows = event_rows(1000)
    packer = Packer(buffer_size=10_000)
    assert packer.stats().rows == 0
    parts = with_consumer(packer, lambda: packer.pack_many(rows))
    stats = packer.stats()
    assert stats.rows == 1000
    assert stats.parts == stats.parts_compressed == len(parts)
    assert (
        stats.raw_bytes == sum(part.raw_bytes for part in parts) == sum(len(compact(row)) + 1 for row in rows)
    )
    assert stats.compressed_bytes == sum(len(part.data) for part in parts)
    assert sum(part.rows for part in parts) == 1000


def test_stats_count_each_top_level_key() -> None:
    packer = Packer()
    packer.pack({"s": "abc", "n": 1, "z": None})
    packer.pack(b'{"s": "h\\u00e9llo\\n", "n": null, "o": {"k": "a much longer nested string"}}')
    packer.pack({"S": True, "a": [1, "a longer string inside a list"], "z": None, "e": "\U0001f600"})
    keys = packer.stats().keys
    assert list(keys) == ["s", "n", "z", "o", "a", "e"]
    summary = {key: (s.key, s.count, s.nulls, s.types, s.max_bytes, s.column) for key, s in keys.items()}
    assert summary == {
        "s": ("s", 3, 0, ["boolean", "string"], len("héllo\n".encode()), None),
        "n": ("n", 2, 1, ["null", "number"], 0, None),
        "z": ("z", 2, 2, ["null"], 0, None),
        "o": ("o", 1, 0, ["object"], 0, None),
        "a": ("a", 1, 0, ["array"], 0, None),
        "e": ("e", 1, 0, ["string"], 4, None),
    }


def test_properties_report_the_constructor_arguments() -> None:
    packer = Packer(buffer_size=12345, compression_level=7, max_parts_in_flight=5, threads=3)
    assert (packer.buffer_size, packer.compression_level, packer.max_parts_in_flight, packer.threads) == (
        12345,
        7,
        5,
        3,
    )
    assert not packer.closed


def test_defaults_are_the_documented_ones() -> None:
    packer = Packer()
    assert (
        _core.DEFAULT_BUFFER_SIZE,
        _core.DEFAULT_COMPRESSION_LEVEL,
        _core.DEFAULT_MAX_PARTS_IN_FLIGHT,
    ) == (
        10_000_000,
        2,
        4,
    )
    assert (packer.buffer_size, packer.compression_level, packer.max_parts_in_flight) == (10_000_000, 2, 4)
    assert 1 <= packer.threads <= (os.cpu_count() or 1)


# --- constructor errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "named"),
    [
        pytest.param({"buffer_size": 0}, "buffer_size", id="buffer_size-0"),
        pytest.param({"threads": 0}, "threads", id="threads-0"),
        pytest.param({"max_parts_in_flight": 0}, "max_parts_in_flight", id="max_parts_in_flight-0"),
        pytest.param({"compression_level": 13}, "compression_level", id="compression_level-13"),
        pytest.param({"compression_level": -1}, "compression_level", id="compression_level-minus-1"),
        pytest.param({"compression_level": 2**40}, "compression_level", id="compression_level-huge"),
        pytest.param({"buffer_size": -1}, "buffer_size", id="buffer_size-negative"),
        pytest.param({"threads": -2}, "threads", id="threads-negative"),
        pytest.param({"max_parts_in_flight": -1}, "max_parts_in_flight", id="max_parts_in_flight-negative"),
        pytest.param({"columns": [("a",)]}, "columns[0]", id="column-tuple-too-short"),
        pytest.param({"columns": [Column("c", "varchr(5)")]}, "columns[0]", id="unknown-column-type"),
        pytest.param({"columns": [("ok", "int"), ("c", "decimal(40,2)")]}, "columns[1]", id="bad-parameters"),
        pytest.param(
            {"columns": [("ok", "int"), ("c", "geometry")]}, "columns[1]", id="type-copy-cannot-load"
        ),
        pytest.param({"time_format": "AUTO"}, "time_format", id="time-format-not-a-keyword"),
        pytest.param({"date_format": "epochsecs"}, "date_format", id="date-format-epoch"),
        pytest.param({"accept_invalid_chars": "??"}, "accept_invalid_chars", id="replacement-two-characters"),
        pytest.param(
            {"columns": [("id", "int"), ("ID", "text")]}, "two columns are named", id="duplicate-column"
        ),
    ],
)
def test_bad_constructor_arguments_are_refused_naming_the_argument(
    options: dict[str, Any], named: str
) -> None:
    with pytest.raises(ValueError, match=named.replace("[", r"\[")):
        Packer(**options)


# --- compression levels ------------------------------------------------------------------------------


@pytest.mark.parametrize("level", [0, 1, 2, 6, 9, 12])
def test_every_compression_level_gives_parts_that_gunzip_to_the_same_rows(level: int) -> None:
    rows = event_rows(1500)
    packer = Packer(buffer_size=32 * 1024, compression_level=level)
    assert packer.compression_level == level
    lines = lines_of(with_consumer(packer, lambda: packer.pack_many(rows)))
    assert lines == [compact(row) for row in rows]


def test_level_zero_stores_and_higher_levels_compress() -> None:
    rows = event_rows(1000)
    sizes = {}
    for level in (0, 6):
        packer = Packer(compression_level=level)
        packer.pack_many(rows)
        parts = take_all(packer)
        sizes[level] = sum(part.compressed_bytes for part in parts)
        raw = sum(part.raw_bytes for part in parts)
    assert sizes[0] > raw
    assert sizes[6] < raw / 2
