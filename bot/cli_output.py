"""What every `mockinterview` command shares: the output consoles, settings from the command line, error exits."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from bot.settings import Settings

console = Console()
errors = Console(stderr=True)


def settings_for(store: Path | None) -> Settings:
    """Settings from the environment, with the command-line store directory taking precedence."""
    settings = Settings()
    return settings.model_copy(update={"store": store}) if store else settings


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `message` as an error (markup in it is shown as typed) and return the exit to raise."""
    errors.print(f"[red]Error:[/red] {escape(message)}", highlight=False)
    return typer.Exit(code)
