"""Who may change the documents of a knowledge base (upload, re-index, remove).

Every control that changes an index is shown, and every handler behind one acts,
only when :func:`can_edit` says so for the request.  For now everyone may (the
app listens on loopback by default); the logins of issue 13 decide it by role
(editors and admins) here, in this one place.
"""

from __future__ import annotations

from typing import Any

__all__ = ["can_edit"]


def can_edit(request: Any = None) -> bool:
    """Whether the user behind ``request`` (a gr.Request, or None outside a request) may change documents."""
    return True
