"""``python -m kb``: the same as the ``kb`` command."""

from kb.interfaces.cli import main

main()
