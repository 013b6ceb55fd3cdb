"""The verbs of ``kb``, one module per group; :mod:`kb.interfaces.cli.group` registers them."""
