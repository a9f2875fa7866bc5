"""Signing in and out over real HTTP: passwords, throttling, CSRF, cookies, setup links, tokens,
the audit log, the secret, redirects.

Tests that change an account (a lock, a new password) make a fresh account, so they neither
disturb nor depend on the shared demo accounts.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from web_helpers import Callers, app_of, csrf, fresh_account, fresh_session, unique
from web_support import PASSWORD, SECRET, LiveWeb, ServerThread, free_port, sign_in, wait_for

from servicechain.accounts.audit import entries
from servicechain.accounts.tokens import create_token, revoke_token
from servicechain.accounts.users import MAX_FAILURES, setup_token
from servicechain.settings import PLACEHOLDER_SECRET, Settings
from servicechain.web.app import PlaceholderSecret, create_app

COOKIE = "servicechain_session"


@pytest.fixture
def callers(live_web: LiveWeb) -> Callers:
    """Clients per role, shared by the web test modules of this worker."""
    return Callers.of(live_web)


def signed_in(client: httpx.Client) -> bool:
    """Whether the client's session is signed in (the account page answers instead of a redirect)."""
    answer = client.get("/me")
    assert answer.status_code in (200, 303), answer.status_code
    return answer.status_code == 200


def actions_of(web: LiveWeb, email: str) -> list[str]:
    """The audit log's actions for ``email``, oldest first."""
    return [row["action"] for row in reversed(entries(web.store, limit=10_000)) if row["email"] == email]


def test_wrong_password_is_refused_without_a_session(live_web: LiveWeb) -> None:
    user = fresh_account(live_web, "unit-manager")
    client = live_web.client()
    answer = sign_in(client, user.email, PASSWORD + "!")
    assert answer.status_code == 401
    assert 'class="error"' in answer.text
    assert not signed_in(client)
    assert client.get("/api/v1/me").status_code == 401
    nobody = f"{unique()}@example.nl"
    unknown = sign_in(client, nobody, PASSWORD)
    assert unknown.status_code == 401
    # the same answer for an unknown address: no hint which part was wrong
    assert unknown.text.replace(nobody, "EMAIL") == answer.text.replace(user.email, "EMAIL")
    assert actions_of(live_web, user.email)[-1] == "login_failed"
    client.close()


def test_five_failures_lock_the_address_even_for_the_right_password(live_web: LiveWeb) -> None:
    user = fresh_account(live_web, "executive")
    client = live_web.client()
    for _ in range(MAX_FAILURES):
        assert sign_in(client, user.email, "not the password").status_code == 401
    locked = sign_in(client, user.email, PASSWORD)
    assert locked.status_code == 429
    retry = int(locked.headers["retry-after"])
    assert 0 < retry <= 15 * 60
    assert not signed_in(client)
    other = live_web.client()  # another client, same address: still locked
    assert sign_in(other, user.email.upper(), PASSWORD).status_code == 429
    assert actions_of(live_web, user.email).count("login_failed") == MAX_FAILURES
    assert "login" not in actions_of(live_web, user.email)
    # the lock is per address: the others sign in as usual
    assert sign_in(other, live_web.accounts["analyst"].email, PASSWORD).status_code == 303
    client.close()
    other.close()


def test_throttled_attempts_land_in_the_audit_log(live_web: LiveWeb) -> None:
    user = fresh_account(live_web, "employee", password=None)
    client = live_web.client()
    for _ in range(MAX_FAILURES):
        sign_in(client, user.email, "not the password")
    assert sign_in(client, user.email, "not the password either").status_code == 429
    client.close()
    assert actions_of(live_web, user.email)[-1] == "login_throttled"


def test_forms_without_the_right_csrf_token_are_refused(live_web: LiveWeb, callers: Callers) -> None:
    anonymous = live_web.client()
    real = csrf(anonymous)
    account = live_web.accounts["analyst"]
    for token in (None, "", "forged-token", real[:-2] + "xx"):
        form = {"email": account.email, "password": PASSWORD}
        if token is not None:
            form["csrf_token"] = token
        assert anonymous.post("/login", data=form).status_code == 403, token
    assert not signed_in(anonymous)
    # a token from another session does not count either
    stranger = live_web.client()
    theirs = csrf(stranger)
    form = {"email": account.email, "password": PASSWORD, "csrf_token": theirs}
    assert anonymous.post("/login", data=form).status_code == 403
    # signed-in forms
    client, _ = fresh_session(live_web, "analyst")
    assert client.post("/logout", data={}).status_code == 403
    assert client.post("/logout", data={"csrf_token": "wrong"}).status_code == 403
    assert signed_in(client), "a refused logout must leave the session alone"
    new = PASSWORD + " new"
    form = {"current": PASSWORD, "password": new, "repeat": new, "csrf_token": "wrong"}
    assert client.post("/me/password", data=form).status_code == 403
    assert client.post("/language", data={"language": "en", "csrf_token": "wrong"}).status_code == 403
    upload = client.post(
        "/imports",
        data={"kind": "kpis", "csrf_token": "wrong"},
        files={"file": ("x.csv", b"unit_code,period,metric,value\n", "text/csv")},
    )
    assert upload.status_code == 403
    assert client.post("/imports/" + "a" * 24 + "/discard", data={}).status_code == 403
    # the password did not change: the old one still signs in
    assert sign_in(stranger, client.get("/api/v1/me").json()["email"], PASSWORD).status_code == 303
    for opened in (anonymous, stranger, client):
        opened.close()


def cookie_header(response: httpx.Response) -> str:
    headers = [value for value in response.headers.get_list("set-cookie") if value.startswith(COOKIE + "=")]
    assert headers, "no session cookie set"
    return headers[-1].lower()


def test_session_cookie_is_httponly_and_samesite_lax(live_web: LiveWeb) -> None:
    client = live_web.client()
    answer = sign_in(client, live_web.accounts["employee"].email, PASSWORD)
    assert answer.status_code == 303
    header = cookie_header(answer)
    assert "httponly" in header
    assert "samesite=lax" in header
    assert "; secure" not in header  # the test server runs with secure_cookies off (plain http)
    client.close()


@pytest.mark.parametrize(
    ("secure", "dev", "expected"), [(True, False, True), (True, True, False), (False, False, False)]
)
def test_session_cookie_is_secure_when_configured(
    live_web: LiveWeb, secure: bool, dev: bool, expected: bool
) -> None:
    """With ``secure_cookies`` (the default) the cookie only travels over HTTPS; ``--dev`` turns it off."""
    settings = Settings(database_url=live_web.store.url, secret_key=SECRET, secure_cookies=secure)
    server = ServerThread(create_app(settings, store=live_web.store, dev=dev), port := free_port())
    server.start()
    try:
        wait_for(lambda: server.server.started)
        header = cookie_header(httpx.get(f"http://127.0.0.1:{port}/login"))
    finally:
        server.stop()
    assert ("; secure" in header) is expected
    assert "httponly" in header and "samesite=lax" in header


def test_logout_ends_the_session(live_web: LiveWeb) -> None:
    client, user = fresh_session(live_web, "regional-manager")
    assert signed_in(client)
    answer = client.post("/logout", data={"csrf_token": csrf(client)})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"
    assert not signed_in(client)
    assert client.get("/api/v1/me").status_code == 401
    assert client.get(f"/regions/{live_web.region}").status_code == 303
    assert "logout" in actions_of(live_web, user.email)
    client.close()


def test_a_copied_cookie_dies_with_logout(live_web: LiveWeb) -> None:
    client, _ = fresh_session(live_web, "unit-manager")
    stolen = client.cookies[COOKIE]
    assert client.post("/logout", data={"csrf_token": csrf(client)}).status_code == 303
    replay = httpx.Client(base_url=live_web.url, cookies={COOKIE: stolen})
    try:
        assert replay.get("/me").status_code == 303
    finally:
        replay.close()
        client.close()


def test_setup_link_works_once(live_web: LiveWeb) -> None:
    user = fresh_account(live_web, "unit-manager", password=None)
    token = setup_token(user, SECRET)
    client = live_web.client()
    page = client.get(f"/setup/{token}")
    assert page.status_code == 200
    assert user.email in page.text
    assert sign_in(client, user.email, "any password at all").status_code == 401  # none set yet
    form = {"password": "short", "repeat": "short", "csrf_token": csrf(client)}
    assert client.post(f"/setup/{token}", data=form).status_code == 400
    form = {"password": PASSWORD, "repeat": PASSWORD + "x", "csrf_token": csrf(client)}
    assert client.post(f"/setup/{token}", data=form).status_code == 400
    form = {"password": PASSWORD, "repeat": PASSWORD, "csrf_token": csrf(client)}
    done = client.post(f"/setup/{token}", data=form)
    assert done.status_code == 303
    assert done.headers["location"] == f"/units/{live_web.location}"
    assert signed_in(client)
    # used: refused, on both the page and the form
    again = live_web.client()
    assert again.get(f"/setup/{token}").status_code == 400
    form = {"password": "another password", "repeat": "another password", "csrf_token": csrf(again)}
    assert again.post(f"/setup/{token}", data=form).status_code == 400
    assert not signed_in(again)
    assert sign_in(again, user.email, "another password").status_code == 401
    assert sign_in(again, user.email, PASSWORD).status_code == 303
    # a forged or foreign link is refused
    assert again.get(f"/setup/{token[:-3]}abc").status_code == 400
    other = fresh_account(live_web, "employee", password=None)
    assert again.get(f"/setup/{setup_token(other, 'another secret entirely')}").status_code == 400
    client.close()
    again.close()


def test_changing_the_password_ends_other_sessions(live_web: LiveWeb) -> None:
    first, user = fresh_session(live_web, "analyst")
    second = live_web.client()
    assert sign_in(second, user.email, PASSWORD).status_code == 303
    token = create_token(live_web.store, user.email, "script")
    assert signed_in(first) and signed_in(second)
    new = PASSWORD + " changed"
    form = {"current": PASSWORD, "password": new, "repeat": new, "csrf_token": csrf(first)}
    answer = first.post("/me/password", data=form)
    assert answer.status_code == 200
    assert signed_in(first), "the session that changed the password stays signed in"
    assert not signed_in(second), "other sessions end"
    assert second.get("/api/v1/me").status_code == 401
    third = live_web.client()
    assert sign_in(third, user.email, PASSWORD).status_code == 401
    assert sign_in(third, user.email, new).status_code == 303
    # API tokens are separate credentials: they stay until revoked
    script = httpx.Client(base_url=live_web.url, headers={"Authorization": f"Bearer {token}"})
    assert script.get("/api/v1/me").status_code == 200
    # a wrong current password changes nothing
    form = {"current": "wrong password", "password": "x" * 12, "repeat": "x" * 12, "csrf_token": csrf(first)}
    assert first.post("/me/password", data=form).status_code == 400
    assert sign_in(live_web.client(), user.email, new).status_code == 303
    for opened in (first, second, third, script):
        opened.close()


def test_revoked_token_gets_401(live_web: LiveWeb) -> None:
    user = fresh_account(live_web, "regional-manager", password=None)
    token = create_token(live_web.store, user.email, "nightly export")
    client = httpx.Client(base_url=live_web.url, headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/v1/me").json()["email"] == user.email
    assert client.get(f"/api/v1/regions/{live_web.region}").status_code == 200
    revoke_token(live_web.store, token.split("_")[1])
    for path in ("/api/v1/me", f"/api/v1/regions/{live_web.region}", "/api/v1/units"):
        answer = client.get(path)
        assert answer.status_code == 401
        assert answer.json()["error"]["status"] == 401
        assert "token" in answer.json()["error"]["message"]
        assert answer.headers["www-authenticate"] == "Bearer"
    # a token with a known prefix but another secret is as good as none
    live = create_token(live_web.store, user.email, "other")
    forged = "_".join([*live.split("_")[:2], "x" * 40])
    assert (
        httpx.get(f"{live_web.url}/api/v1/me", headers={"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )
    assert (
        httpx.get(f"{live_web.url}/api/v1/me", headers={"Authorization": f"Bearer {live}"}).status_code == 200
    )
    client.close()


def test_a_bad_token_is_not_rescued_by_a_session_cookie(live_web: LiveWeb, callers: Callers) -> None:
    client = callers.clone("executive")
    assert client.get("/api/v1/me").status_code == 200
    answer = client.get("/api/v1/me", headers={"Authorization": "Bearer sc_00000000_nothing"})
    assert answer.status_code == 401


def test_login_and_export_land_in_the_audit_log(live_web: LiveWeb) -> None:
    client, user = fresh_session(live_web, "unit-manager")
    client.post("/logout", data={"csrf_token": csrf(client)})
    assert sign_in(client, user.email, "wrong password").status_code == 401
    assert sign_in(client, user.email, PASSWORD).status_code == 303
    answer = client.get("/api/v1/scorecard", params={"unit": live_web.team, "per_page": 5})
    assert answer.status_code == 200
    rows = [row for row in entries(live_web.store, limit=10_000) if row["email"] == user.email]
    actions = [row["action"] for row in reversed(rows)]
    assert actions[-4:] == ["logout", "login_failed", "login", "export"], actions
    export = rows[0]
    assert f"unit={live_web.team}" in str(export["detail"])
    assert all(row["client"] == "127.0.0.1" for row in rows if row["action"] != "user_added")
    # and through a token
    token = create_token(live_web.store, user.email, "export script")
    api = httpx.Client(base_url=live_web.url, headers={"Authorization": f"Bearer {token}"})
    assert api.get("/api/v1/scorecard", params={"measure": "enps"}).status_code == 200
    newest = entries(live_web.store, limit=1)[0]
    assert (newest["email"], newest["action"]) == (user.email, "export")
    assert "measure=enps" in str(newest["detail"])
    client.close()
    api.close()


def test_the_server_refuses_the_placeholder_secret(live_web: LiveWeb) -> None:
    settings = Settings(database_url=live_web.store.url, secret_key=PLACEHOLDER_SECRET)
    with pytest.raises(PlaceholderSecret, match="SERVICECHAIN_SECRET_KEY"):
        create_app(settings, store=live_web.store)
    assert create_app(settings, store=live_web.store, dev=True) is not None
    assert app_of(live_web) is not None  # a real secret is fine


EVIL = [
    "https://evil.example/x",
    "//evil.example/x",
    "/\\evil.example/x",
    "\\\\evil.example",
    "https:evil.example",
    "/\t/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "http://127.0.0.1.evil.example/",
]


def is_local(location: str) -> bool:
    parsed = urlparse(location)
    return (
        not parsed.scheme
        and not parsed.netloc
        and location.startswith("/")
        and not location.startswith("//")
        and not location.startswith("/\\")
    )


@pytest.mark.parametrize("target", EVIL)
def test_login_ignores_a_next_address_elsewhere(live_web: LiveWeb, target: str) -> None:
    client = live_web.client()
    page = client.get("/login", params={"next": target})
    assert page.status_code == 200
    assert "evil.example" not in page.text and "javascript:" not in page.text
    form = {
        "email": live_web.accounts["executive"].email,
        "password": PASSWORD,
        "csrf_token": csrf(client),
        "next": target,
    }
    answer = client.post("/login", data=form)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/overview"
    language = client.post("/language", data={"language": "nl", "back": target, "csrf_token": csrf(client)})
    assert language.status_code == 303 and is_local(language.headers["location"]), language.headers[
        "location"
    ]
    client.close()


def test_login_follows_a_next_path_on_this_site(live_web: LiveWeb) -> None:
    client = live_web.client()
    bounced = client.get(f"/units/{live_web.team}")
    assert bounced.status_code == 303
    target = parse_qs(urlparse(bounced.headers["location"]).query)["next"][0]
    assert target == f"/units/{live_web.team}"
    form = {
        "email": live_web.accounts["unit-manager"].email,
        "password": PASSWORD,
        "csrf_token": csrf(client),
        "next": target,
    }
    answer = client.post("/login", data=form)
    assert answer.status_code == 303
    assert answer.headers["location"] == target
    assert client.get(target).status_code == 200
    client.close()


def test_the_login_redirect_keeps_the_whole_query(live_web: LiveWeb) -> None:
    client = live_web.client()
    bounced = client.get("/overview?lang=en&x=1")
    target = parse_qs(urlparse(bounced.headers["location"]).query)["next"][0]
    client.close()
    assert target == "/overview?lang=en&x=1"


def test_a_disabled_account_loses_sessions_tokens_and_sign_in(live_web: LiveWeb) -> None:
    from servicechain.accounts.users import disable_user

    client, user = fresh_session(live_web, "unit-manager")
    token = create_token(live_web.store, user.email, "script")
    bearer = httpx.Client(base_url=live_web.url, headers={"Authorization": f"Bearer {token}"})
    assert client.get("/me").status_code == 200 and bearer.get("/api/v1/me").status_code == 200
    disable_user(live_web.store, user.email)
    assert client.get("/me").status_code == 303  # to the login page
    assert bearer.get("/api/v1/me").status_code == 401
    assert sign_in(live_web.client(), user.email, PASSWORD).status_code == 401
    assert any(e["action"] == "user_disabled" for e in entries(live_web.store, action="user_disabled"))
