"""Names Redshift would reject or silently change are refused, with the reason."""

from __future__ import annotations

import pytest

from rio._identifiers import MAX_IDENTIFIER_BYTES, check_identifier, identifier_problem
from rio.errors import ConfigError, InvalidIdentifier


@pytest.mark.parametrize(
    "name",
    ["a", "_", "event_time", "col$1", "x" * MAX_IDENTIFIER_BYTES, "zoë", "名前", "select", "timestamp"],
)
def test_valid_identifiers_are_accepted(name: str) -> None:
    assert check_identifier(name) == name


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "is empty"),
        ("1abc", "cannot start with '1'"),
        ("$x", "cannot start with '$'"),
        ("user id", "cannot contain ' ' (position 4)"),
        ("a;drop", "cannot contain ';'"),
        ('a"b', "cannot contain '\"'"),
        ("a.b", "cannot contain '.'"),
        ("a-b", "cannot contain '-'"),
        ("tab\there", "cannot contain '\\t'"),
        ("UserId", "capital 'U' at position 0; Redshift folds names to lower case, so write 'userid'"),
        ("x" * (MAX_IDENTIFIER_BYTES + 1), "is 128 bytes long; Redshift allows at most 127 bytes"),
        ("é" * 64, "is 128 bytes long"),
        ("ctid", "system column"),
        ("bad\ud800", "lone surrogate at position 3"),
    ],
)
def test_invalid_identifiers_say_why(name: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier) as raised:
        check_identifier(name, kind="column")
    assert reason in str(raised.value)
    assert str(raised.value).startswith(f"column name {name!r}")


def test_system_column_names_are_fine_for_tables() -> None:
    assert identifier_problem("oid", kind="table") is None
    assert identifier_problem("oid", kind="column") is not None


def test_non_strings_are_refused() -> None:
    with pytest.raises(InvalidIdentifier, match="must be a string, not int"):
        check_identifier(5, kind="schema")


def test_invalid_identifier_is_a_config_error_and_a_value_error() -> None:
    assert issubclass(InvalidIdentifier, ConfigError)
    assert issubclass(InvalidIdentifier, ValueError)
