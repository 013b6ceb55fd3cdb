"""The `kb` command line: one group of verbs over one KnowledgeBase, one output path (render)."""

from kb.interfaces.cli.group import cli, main

__all__ = ["cli", "main"]
