"""Who may change the documents of a knowledge base (upload, re-index, remove), and the record of it.

Every control that changes an index is shown, and every handler behind one acts,
only when :func:`can_edit` says so for the request.  Without logins (the app on
loopback) everyone may; with them (kb.interfaces.web.security.Logins) the user's
role decides, as kb.auth.PERMISSIONS says: editors and admins upload and remove,
readers ask and export.  What an editor changed goes to the audit log.
"""

from __future__ import annotations

from typing import Any

__all__ = ["can_edit", "record"]


def _user(request: Any) -> str | None:
    return getattr(request, "username", None) if request is not None else None


def can_edit(request: Any = None, logins: Any = None, action: str = "upload") -> bool:
    """Whether the user behind ``request`` (a gr.Request) may ``action`` ("upload" or "remove")."""
    if logins is None:
        return True
    return bool(logins.allows(_user(request), action))


def record(request: Any, logins: Any, action: str, document: str, **detail: Any) -> None:
    """One line in the audit log for a change to the documents (nothing without logins)."""
    if logins is None:
        return
    from kb.auth import audit

    audit(logins.audit_log, _user(request) or "?", action, document, **detail)
