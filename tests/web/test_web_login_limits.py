"""Hole 1 of issue 18: the lock-out counter is committed, logins are rate limited, and password
hashing runs at most ``hash_concurrency`` at a time."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from runnersknee.config import Settings
from runnersknee.services.access import accounts
from runnersknee.services.access.accounts import (
    HashingBusy,
    LoginPolicy,
    check_login,
    set_hash_slots,
)
from runnersknee.store.tables import AuditRow, UserRow
from runnersknee.web.app import create_app
from tests.web.conftest import PASSWORD, World

EMAIL = "doc@test.example"


def _app(world: World, **limits: Any) -> TestClient:
    settings = Settings(database_url=world.database.url, **limits)
    return TestClient(create_app(settings, world.database))


def _user(world: World) -> UserRow:
    with world.database.transaction() as tx:
        user = tx.scalar(select(UserRow).where(UserRow.email == EMAIL))
        assert user is not None
        tx.expunge(user)
        return user


def _form_login(client: TestClient, password: str) -> Any:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return client.post(
        "/login",
        data={"email": EMAIL, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )


def test_wrong_passwords_lock_the_account_through_the_api(world: World) -> None:
    client = _app(world, login_rate_per_account=1000, login_rate_per_address=1000)
    for attempt in range(3):
        wrong = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": "nope"})
        assert wrong.status_code == 422
        assert _user(world).failed_logins == attempt + 1
    for _ in range(7):
        client.post("/api/v1/auth/login", json={"email": EMAIL, "password": "nope"})
    assert _user(world).locked_until is not None
    right = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert right.status_code == 422, "a locked account must refuse even the right password"
    assert right.json()["error"]["message"] == "email or password is wrong"


def test_wrong_passwords_lock_the_account_through_the_form(world: World) -> None:
    client = _app(world, login_rate_per_account=1000, login_rate_per_address=1000)
    for _ in range(10):
        assert _form_login(client, "wrong password!").status_code == 422
    assert _user(world).locked_until is not None
    assert _form_login(client, PASSWORD).status_code == 422


def test_failed_and_successful_logins_are_audited(world: World) -> None:
    client = _app(world)
    client.post("/api/v1/auth/login", json={"email": EMAIL, "password": "nope"})
    client.post("/api/v1/auth/login", json={"email": "nobody@x.example", "password": "nope"})
    ok = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
    headers = {"X-CSRF-Token": ok.json()["csrf_token"]}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 200
    with world.database.transaction() as tx:
        actions = list(tx.execute(select(AuditRow.action, AuditRow.outcome, AuditRow.user_id)))
    user_id = _user(world).id
    assert ("auth.login_failed", "denied", user_id) in actions
    assert ("auth.login_failed", "denied", None) in actions
    assert ("auth.login", "allowed", user_id) in actions
    assert ("auth.logout", "allowed", user_id) in actions


def test_logins_per_account_are_rate_limited_with_retry_after(world: World) -> None:
    client = _app(world, login_rate_per_account=5, login_rate_per_address=1000)
    codes = [
        client.post("/api/v1/auth/login", json={"email": EMAIL, "password": "x"}).status_code
        for _ in range(5)
    ]
    assert codes == [422] * 5
    limited = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert "content-security-policy" in limited.headers
    other = client.post("/api/v1/auth/login", json={"email": "a@test.example", "password": "x"})
    assert other.status_code == 422, "another account is not limited by this one"
    page = _form_login(client, PASSWORD)
    assert page.status_code == 429
    assert "retry-after" in page.headers


def test_logins_per_client_address_are_rate_limited(world: World) -> None:
    client = _app(world, login_rate_per_account=1000, login_rate_per_address=8)
    for n in range(8):
        wrong = client.post(
            "/api/v1/auth/login", json={"email": f"user{n}@x.example", "password": "x"}
        )
        assert wrong.status_code == 422
    limited = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert limited.status_code == 429
    with world.database.transaction() as tx:
        hashed_attempts = tx.scalar(
            select(func.count()).where(AuditRow.action.in_(["auth.login", "auth.login_failed"]))
        )
    assert hashed_attempts == 8, "a limited attempt must not reach the password check"


class _CountingHasher:
    """Wraps the real hasher; records the most verifications running at once."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def verify(self, hashed: str, password: str) -> bool:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.02)
            return bool(self.real.verify(hashed, password))
        finally:
            with self.lock:
                self.running -= 1

    def check_needs_rehash(self, hashed: str) -> bool:
        return bool(self.real.check_needs_rehash(hashed))


def test_password_hashing_is_capped(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    counting = _CountingHasher(accounts._hasher())
    monkeypatch.setattr(accounts, "_hasher", lambda: counting)
    set_hash_slots(2, wait_seconds=60)

    def attempt(n: int) -> None:
        with world.database.transaction() as tx:
            check_login(tx, f"bogus{n}@x.example", "guess", LoginPolicy())

    try:
        with ThreadPoolExecutor(max_workers=12) as pool:
            list(pool.map(attempt, range(24)))
        assert counting.most == 2
        set_hash_slots(1, wait_seconds=0.01)
        with accounts._SLOTS[0], pytest.raises(HashingBusy):
            attempt(99)
    finally:
        set_hash_slots(2)
