"""The `kb` command line."""

from kb.interfaces.cli.main import cli, main

__all__ = ["cli", "main"]
