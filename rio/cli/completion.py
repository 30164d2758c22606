"""``rio completion SHELL``: the script that makes a shell complete rio's commands and flags."""

from __future__ import annotations

import click

__all__ = ["completion"]

_SHELLS = ("bash", "zsh", "fish")


@click.command()
@click.argument("shell", type=click.Choice(_SHELLS))
def completion(shell: str) -> None:
    """Print the script that completes rio's commands, flags and choices in SHELL.

    It is what `_RIO_COMPLETE=SHELL_source rio` prints (click's completion); the script asks rio
    itself for each completion, so it never goes out of date.

    \b
    Examples:
      # bash: complete rio in every new shell
      rio completion bash > ~/.local/share/bash-completion/completions/rio
      # or, evaluated when the shell starts, in ~/.bashrc
      eval "$(_RIO_COMPLETE=bash_source rio)"
      # zsh, in ~/.zshrc
      eval "$(_RIO_COMPLETE=zsh_source rio)"
      # fish
      rio completion fish > ~/.config/fish/completions/rio.fish
    """
    from click.shell_completion import get_completion_class

    from rio.cli import cli

    completer = get_completion_class(shell)
    if completer is None:  # click knows every shell of the choice; a guard for mypy
        raise click.UsageError(f"no completion for {shell}")
    click.echo(completer(cli, {}, "rio", "_RIO_COMPLETE").source(), nl=False)
