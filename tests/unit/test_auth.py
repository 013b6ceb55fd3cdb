"""Users, roles, the login limiter, sessions and the audit log (kb.auth), and `kb users` on top of them."""

from __future__ import annotations

import json
import stat

import pytest
from click.testing import CliRunner

from kb.auth import (
    PERMISSIONS,
    ROLES,
    AuthError,
    LoginGuard,
    Sessions,
    UserStore,
    allowed,
    audit,
    check_password,
    hash_password,
    read_audit,
)
from kb.interfaces.cli import cli

PASSWORD = "correct horse battery"


def test_passwords_are_salted_hashes_never_the_password():
    a, b = hash_password(PASSWORD), hash_password(PASSWORD)
    assert a != b, "salted"
    assert a.startswith("scrypt$16384$8$1$") and PASSWORD not in a
    assert check_password(PASSWORD, a) and check_password(PASSWORD, b)
    assert not check_password(PASSWORD + "x", a) and not check_password(PASSWORD, "plain" + PASSWORD)
    assert not check_password(PASSWORD, "scrypt$bad")


def test_the_users_file_holds_hashes_and_is_private(tmp_path):
    store = UserStore(tmp_path / "users.json")
    store.add("alice", PASSWORD, "admin")
    store.add("王科长", PASSWORD + "2")
    text = (tmp_path / "users.json").read_text(encoding="utf-8")
    assert PASSWORD not in text and "scrypt$" in text
    assert stat.S_IMODE((tmp_path / "users.json").stat().st_mode) == 0o600
    assert [(u.name, u.role) for u in store.users()] == [("alice", "admin"), ("王科长", "reader")]
    assert "password" not in store.users()[0].to_dict()
    assert store.verify("alice", PASSWORD).role == "admin"
    assert store.verify("alice", "nope") is None and store.verify("nobody", PASSWORD) is None


def test_user_changes_are_checked(tmp_path):
    store = UserStore(tmp_path / "users.json")
    store.add("alice", PASSWORD)
    with pytest.raises(AuthError, match="exists already; add --replace"):
        store.add("alice", PASSWORD)
    assert store.add("alice", "another password", "editor", replace=True).role == "editor"
    assert store.verify("alice", "another password") and not store.verify("alice", PASSWORD)
    with pytest.raises(AuthError, match="too short"):
        store.add("bob", "short")
    with pytest.raises(AuthError, match="unknown role 'root'"):
        store.add("bob", PASSWORD, "root")
    with pytest.raises(AuthError, match="not a user name"):
        store.add("bob smith", PASSWORD)
    with pytest.raises(AuthError, match="there is no user 'carol'"):
        store.remove("carol")
    store.remove("alice")
    assert store.users() == []


@pytest.mark.parametrize("text", ["", "[]", '{"format": 9, "users": []}', '{"format": 1, "users": [{"name": "x"}]}',
                                  '{"format": 1, "users": [{"name": "x", "role": "reader", "password": "plain"}]}'])
def test_a_bad_users_file_is_one_clear_error(tmp_path, text):
    path = tmp_path / "users.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AuthError, match=str(path)):
        UserStore(path).users()


def test_roles_include_what_the_role_before_may_do():
    assert ROLES == ("reader", "editor", "admin")
    assert allowed("reader", "ask") and allowed("reader", "export") and not allowed("reader", "upload")
    assert allowed("editor", "upload") and allowed("editor", "remove") and not allowed("editor", "users")
    assert allowed("admin", "users") and not allowed("guest", "ask")
    assert PERMISSIONS["reader"] < PERMISSIONS["editor"] < PERMISSIONS["admin"]


def test_the_login_guard_locks_a_user_at_an_address_out_for_a_while():
    now = [0.0]
    guard = LoginGuard(failures=3, per_address=5, window=60, lockout=120, clock=lambda: now[0])
    for _ in range(3):
        assert guard.wait("alice", "10.0.0.1") == 0
        guard.failed("alice", "10.0.0.1")
    assert guard.wait("alice", "10.0.0.1") == pytest.approx(120)
    assert guard.wait("ALICE", "10.0.0.1") > 0, "names are compared without case"
    assert guard.wait("alice", "10.0.0.2") == 0, "from another address she may try"
    assert guard.wait("bob", "10.0.0.1") == 0
    now[0] = 121
    assert guard.wait("alice", "10.0.0.1") == 0, "the lockout ends"
    for name in ("b", "c", "d", "e", "f"):
        guard.failed(name, "10.0.0.9")
    assert guard.wait("g", "10.0.0.9") > 0, "an address spraying names is stopped too"
    guard.succeeded("alice", "10.0.0.1")
    assert guard.wait("alice", "10.0.0.1") == 0


def test_the_login_guard_stays_bounded():
    guard = LoginGuard(capacity=10)
    for i in range(100):
        guard.failed(f"user{i}", f"10.0.{i}.1")
    assert len(guard._seen) <= 10


def test_sessions_expire_after_their_time():
    now = [0.0]
    sessions = Sessions(ttl=10, clock=lambda: now[0])
    sessions["t1"] = "alice"
    assert sessions.get("t1") == "alice" and "t1" in sessions and sessions["t1"] == "alice"
    now[0] = 9.9
    sessions["t2"] = "bob"
    now[0] = 10
    assert sessions.get("t1") is None and "t1" not in sessions
    with pytest.raises(KeyError):
        sessions["t1"]
    assert sessions.get("t2") == "bob"
    del sessions["t2"]
    assert "t2" not in sessions and list(sessions) == []


def test_the_audit_log_is_json_lines_of_time_user_action_document(tmp_path):
    log = tmp_path / "logs" / "audit.jsonl"
    audit(log, "alice", "upload", "规划.pdf", size=123)
    audit(log, "bob", "remove", "规划.pdf")
    records = read_audit(log)
    assert [(r["user"], r["action"], r["document"]) for r in records] == [
        ("alice", "upload", "规划.pdf"), ("bob", "remove", "规划.pdf")]
    assert records[0]["size"] == 123 and records[0]["time"].endswith("Z")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert read_audit(tmp_path / "none.jsonl") == []


# ------------------------------------------------------------------ kb users


@pytest.fixture()
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KB_AUDIT", raising=False)
    monkeypatch.setenv("KB_USERS", str(tmp_path / "users.json"))
    return tmp_path


def kb(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_kb_users_add_list_remove(env):
    added = kb("users", "add", "alice", "--role", "editor", "--password-stdin", input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    prompted = kb("users", "add", "bob", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output
    assert PASSWORD not in prompted.stdout
    listed = kb("users", "list", "--json")
    assert [(u["name"], u["role"]) for u in json.loads(listed.stdout)] == [("alice", "editor"), ("bob", "reader")]
    assert "password" not in listed.stdout
    assert "alice" in kb("users", "list").stdout
    assert kb("users", "remove", "bob").exit_code == 0
    assert [u.name for u in UserStore(env / "users.json").users()] == ["alice"]
    log = read_audit(env / "home" / "audit.jsonl")
    assert [(r["action"], r["target"]) for r in log] == [("user.add", "alice"), ("user.add", "bob"),
                                                        ("user.remove", "bob")]
    assert all(r["user"].startswith("cli:") for r in log)


def test_kb_users_says_what_is_wrong_in_one_line(env, monkeypatch):
    mismatch = kb("users", "add", "carol", input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n")
    assert mismatch.exit_code == 0, "click asks again when the two do not match"
    short = kb("users", "add", "dave", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and short.stderr.strip() == "kb: the password is too short: at least 8 characters"
    monkeypatch.delenv("KB_USERS")
    nowhere = kb("users", "list")
    assert nowhere.exit_code == 1 and "--users FILE, or set KB_USERS" in nowhere.stderr
    missing = kb("users", "list", "--users", str(env / "none.json"))
    assert missing.exit_code == 1 and "no such users file" in missing.stderr
