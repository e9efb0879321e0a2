"""What every ``narrate`` command shares: turning a NarrateError into one line and exit status 2."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from narrate.errors import NarrateError

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(command: F) -> F:
    """Turn a NarrateError into one line on stderr and exit status 2."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except NarrateError as error:
            click.echo(f"narrate: error: {error}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]
