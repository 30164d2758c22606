"""The Go worker's flag syntax for click: ``-schema=analytics -force=true`` as ``--schema=analytics --force``.

Go's ``flag`` package takes ``-name=value``, ``-name value``, ``--name=value`` and ``--name value``
alike, and a boolean as ``-name``, ``-name=true`` or ``-name=false`` (any value of Go's
``strconv.ParseBool``). click takes a single dash for short options only, so ``-schema`` reads as
``-s -c -h …``. A :class:`GoFlagCommand` rewrites every single-dash word that names one of its long
options before click parses; real short options (``-h``, ``-v``, ``-vv``, ``-q``) are left alone.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import click

__all__ = ["GoFlagCommand", "go_flags_as_click"]

_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def _go_bool(ctx: click.Context, word: str, value: str) -> bool:
    """Go's ``strconv.ParseBool``; anything else is a usage error naming the word."""
    if value in _GO_TRUE:
        return True
    if value in _GO_FALSE:
        return False
    raise click.UsageError(
        f"{word}: {value!r} is not a boolean; write true or false (Go also took 1, t, T, TRUE, True, "
        "0, f, F, FALSE, False)",
        ctx=ctx,
    )


def _long_options(command: click.Command, ctx: click.Context) -> dict[str, click.Option]:
    """Each ``--name`` of ``command`` (``--no-name`` too) by its name without dashes."""
    names: dict[str, click.Option] = {}
    for param in command.get_params(ctx):
        if isinstance(param, click.Option):
            for opt in (*param.opts, *param.secondary_opts):
                if opt.startswith("--"):
                    names[opt[2:]] = param
    return names


def _short_options(command: click.Command, ctx: click.Context) -> set[str]:
    """Each single-letter option's letter (``h`` of ``-h``)."""
    return {
        opt[1]
        for param in command.get_params(ctx)
        if isinstance(param, click.Option)
        for opt in (*param.opts, *param.secondary_opts)
        if len(opt) == 2 and opt[0] == "-" and opt[1] != "-"
    }


def _is_switch(option: click.Option) -> bool:
    """A boolean flag: given alone, it takes no value (``--force``, ``--gzip/--no-gzip``)."""
    return option.is_flag and not option.count and not option.multiple


def _takes_next_word(option: click.Option, following: str) -> bool:
    """Whether ``--name`` without ``=`` takes ``following``, the next word, as its value."""
    if option.is_flag or option.count:
        return False
    if getattr(option, "_flag_needs_value", False):
        # A value that may be left out (--accept-invalid-chars [CHAR]): click takes the next word
        # only when it is not an option.
        return not following.startswith("-")
    return True


def _switch(name: str, option: click.Option, on: bool) -> str | None:
    """The click word for ``--name=on``: the flag, its ``--no-`` form, or None (leave it off)."""
    is_secondary = f"--{name}" in option.secondary_opts
    primary = next(opt for opt in option.opts if opt.startswith("--"))
    if is_secondary:
        on = not on  # --no-gzip=true is --no-gzip; --no-gzip=false is --gzip
    if on:
        return primary
    return option.secondary_opts[0] if option.secondary_opts else None


def go_flags_as_click(command: click.Command, ctx: click.Context, args: Sequence[str]) -> list[str]:
    """``args`` with the Go worker's spellings of ``command``'s long options in click's form."""
    long_options = _long_options(command, ctx)
    short_letters = _short_options(command, ctx)
    words: list[tuple[str, click.Option | None]] = []
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        if word == "--":  # the end of options, as for click and Go
            words.extend((rest, None) for rest in args[index - 1 :])
            break
        if not word.startswith("-") or word == "-":
            words.append((word, None))
            continue
        body = word[2:] if word.startswith("--") else word[1:]
        name, has_value, value = body.partition("=")
        option = long_options.get(name) if len(name) > 1 else None
        if option is None:
            if not word.startswith("--") and len(name) > 1 and name[0] not in short_letters:
                # Not short options run together (-vv): a long option misspelt, so say which.
                raise click.NoSuchOption(
                    f"-{name}",
                    possibilities=[f"--{close}" for close in difflib.get_close_matches(name, long_options)],
                    ctx=ctx,
                )
            words.append((word, None))
            continue
        if _is_switch(option) and has_value:
            switched = _switch(name, option, _go_bool(ctx, word, value))
            if switched is None:
                # Go's last word wins: -force -force=false leaves the flag off.
                words = [(kept, owner) for kept, owner in words if owner is not option]
            else:
                words.append((switched, option))
            continue
        words.append((f"--{body}", option))
        if not has_value and index < len(args) and _takes_next_word(option, args[index]):
            words.append((args[index], None))  # the value, whatever it looks like
            index += 1
    return [word for word, _ in words]


class GoFlagCommand(click.Command):
    """A command that also takes its long options as the Go worker's ``flag`` package took them."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, go_flags_as_click(self, ctx, args))
