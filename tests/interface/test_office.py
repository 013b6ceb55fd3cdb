"""The real app, served on loopback with logins, probed the way an attacker or a careless operator would.

One server (Gradio, in this process, over the fake-encoder index of the Bazhong
plan) with a users file: logins and failed logins, the rate limit, session
expiry, the audit log, the upload limit, and which files it agrees to serve.
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from kb.auth import UserStore, read_audit
from kb.interfaces.web import app

PASSWORD = "correct horse battery"
LIMIT_MB = 0.25


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(plan_kb, tmp_path_factory):
    """A running server with two users; yields (server, users file, audit log)."""
    root = tmp_path_factory.mktemp("office")
    users = root / "users.json"
    store = UserStore(users)
    store.add("alice", PASSWORD, "reader")
    store.add("bob", PASSWORD, "editor")
    audit_log = root / "audit.jsonl"
    mp = pytest.MonkeyPatch()
    mp.setenv("KB_AUDIT", str(audit_log))
    mp.setattr(app, "open_or_build", lambda *a, **kw: plan_kb)
    before = os.environ.get("GRADIO_TEMP_DIR")
    server = app.serve(root / "index", root / "corpus", "127.0.0.1", free_port(), echo=lambda m: None, users=users,
                       max_file_mb=LIMIT_MB, block=False)
    try:
        yield server, users, audit_log
    finally:
        server.close()
        mp.undo()
        assert os.environ.get("GRADIO_TEMP_DIR") == before
    assert not server.private.path.exists(), "the private folder goes with the server"


def client(server) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=30)


def login(c: httpx.Client, user: str, password: str) -> httpx.Response:
    return c.post("/login", data={"username": user, "password": password})


def test_nothing_is_served_before_a_login(site):
    server, _, _ = site
    with client(server) as c:
        assert c.get("/config").status_code == 401
        assert c.get("/gradio_api/info").status_code == 401
        assert c.post("/gradio_api/upload", files={"files": ("a.txt", b"x")}).status_code == 401


def test_a_login_and_a_failed_login_through_the_real_app(site):
    server, _, audit_log = site
    with client(server) as c:
        assert login(c, "alice", "wrong password").status_code == 400
        assert c.get("/config").status_code == 401
        ok = login(c, "alice", PASSWORD)
        assert ok.status_code == 200 and ok.json() == {"success": True}
        assert c.get("/config").status_code == 200
    actions = [(r["user"], r["action"]) for r in read_audit(audit_log)]
    assert ("alice", "login.failed") in actions and ("alice", "login") in actions
    record = next(r for r in read_audit(audit_log) if r["action"] == "login")
    assert record["address"] == "127.0.0.1" and record["role"] == "reader" and record["time"].endswith("Z")


def test_failed_logins_are_rate_limited_per_user_and_address(site):
    server, _, audit_log = site
    with client(server) as c:
        for _ in range(server.logins.guard.failures):
            assert login(c, "bob", "guess").status_code == 400
        assert login(c, "bob", PASSWORD).status_code == 400, "locked out, even with the right password"
        assert login(c, "alice", PASSWORD).status_code == 200, "another user is not locked out"
    refused = [r for r in read_audit(audit_log) if r["action"] == "login.refused"]
    assert refused and refused[-1]["user"] == "bob" and refused[-1]["retry_after"] > 0
    server.logins.guard.succeeded("bob", "127.0.0.1")  # for the other tests


def test_sessions_expire(site):
    server, _, _ = site
    with client(server) as c:
        assert login(c, "alice", PASSWORD).status_code == 200
        assert c.get("/config").status_code == 200
        sessions = server.demo.server_app.tokens
        ttl = sessions.ttl
        sessions.ttl = 0.3
        try:
            time.sleep(0.4)
            assert c.get("/config").status_code == 401, "the login has expired"
        finally:
            sessions.ttl = ttl


@pytest.fixture()
def logged_in(site):
    server, _, _ = site
    with client(server) as c:
        assert login(c, "alice", PASSWORD).status_code == 200
        yield server, c


def test_an_upload_over_the_limit_is_refused(logged_in):
    server, c = logged_in
    big = os.urandom(int(LIMIT_MB * 1024 * 1024) + 1024)
    refused = c.post("/gradio_api/upload", files={"files": ("big.pdf", big)})
    assert refused.status_code == 413
    assert not [p for p in server.private.path.rglob("*") if p.is_file() and p.stat().st_size >= len(big)]
    small = c.post("/gradio_api/upload", files={"files": ("small.txt", b"hello")})
    assert small.status_code == 200
    [stored] = small.json()
    assert Path(stored).is_relative_to(server.private.uploads), "uploads go to the server's private folder"
    assert not Path(stored).is_relative_to(Path(tempfile.gettempdir()) / "gradio")


def test_no_other_file_is_served(logged_in, plan_kb, tmp_path):
    server, c = logged_in
    shared = Path(tempfile.gettempdir()) / "gradio" / "kb-test-other-app"
    shared.mkdir(parents=True, exist_ok=True)
    other = shared / "secret.txt"
    other.write_text("another app's upload", encoding="utf-8")
    mine = tmp_path / "mine.txt"
    mine.write_text("not for the web", encoding="utf-8")
    try:
        for path in (other, mine, plan_kb.data.folder / "manifest.json", Path("/etc/hostname"), Path("/etc/passwd")):
            response = c.get(f"/gradio_api/file={path}")
            assert response.status_code == 403, path
        uploaded = c.post("/gradio_api/upload", files={"files": ("note.txt", b"served back")}).json()[0]
        assert c.get(f"/gradio_api/file={uploaded}").content == b"served back", "its own uploads it does serve"
    finally:
        other.unlink()
        shared.rmdir()


def test_the_page_says_who_is_logged_in(site):
    from types import SimpleNamespace

    from kb.interfaces.web import views

    demo = site[0].demo
    [load] = [f for f in demo.fns.values() if any(t[1] == "load" for t in f.targets)
              and getattr(f.fn, "__name__", "") == "show_user"]
    assert "alice（查阅）" in load.fn(SimpleNamespace(username="alice"))

    html = views.user_html("alice<b>", "reader")
    assert "alice&lt;b&gt;" in html and "查阅" in html and 'href="logout"' in html
    assert views.user_html(None, None) == ""
    assert site[0].logins.allows("bob", "upload") and not site[0].logins.allows("alice", "upload")
