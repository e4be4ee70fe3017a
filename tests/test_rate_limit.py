"""Rate limits on login and launch: a ten-second burst and a one-minute window per client
address, shared through Redis when one is configured; Retry-After on every 429; login
state rows bounded per client; forwarded addresses trusted only from the proxy."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import func, select

from lti_tool.db import transaction
from lti_tool.lti.login import MAX_LOGIN_STATES_PER_CLIENT
from lti_tool.models import LoginState
from lti_tool.ratelimit import key_prefix
from lti_tool.settings import Settings
from tests.conftest import LmsDriver

#: An address on the public Internet (not documentation, private or loopback space).
PUBLIC_PEER = "93.184.216.34"


def _fresh_window(seconds: int, needed: float = 3.0) -> None:
    """Wait for the next fixed window when fewer than ``needed`` seconds are left in this
    one, so a test's requests all fall in one window."""
    left = seconds - time.time() % seconds
    if left < needed:
        time.sleep(left + 0.05)


def _logins(client, count: int, **kwargs) -> list:
    """``count`` bare logins (refused with 400: no parameters, but counted all the same)."""
    return [client.get("/lti/login", **kwargs) for _ in range(count)]


def _codes(responses) -> list[int]:
    return [r.status_code for r in responses]


@pytest.fixture
def build(make_app) -> Iterator:
    """``make_app`` whose apps' database engines are closed after the test, failed or not."""
    apps = []

    def make(**overrides):
        apps.append(make_app(**overrides))
        return apps[-1]

    yield make
    for app in apps:
        app.extensions["skillcert.engine"].dispose()


# -- the limits and their defaults ------------------------------------------------------


def test_defaults_stop_a_flood_of_logins(build):
    """The finding: 500 logins in about a second were all accepted by the default limit."""
    app = build()
    responses = _logins(app.test_client(), 500)
    codes = _codes(responses)
    burst = Settings().rate_limit_burst
    assert 429 in codes
    # Fixed ten-second windows: a flood that straddles a boundary gets two windows' worth.
    assert sum(code != 429 for code in codes) <= 2 * burst


def test_defaults_let_a_classroom_and_a_school_through(app):
    """40 learners behind one NAT address launching in the same instant (login + launch
    each), and 300 staff launching within one minute, five a second."""
    limiter = app.extensions["skillcert.ratelimit"]
    start = 6000.0  # the start of a minute (and of a ten-second window)
    assert all(limiter.hit("classroom", now=start).allowed for _ in range(2 * 40))
    school = [
        limiter.hit("school", now=start + i / 10).allowed for i in range(2 * 300)
    ]  # 600 requests, ten a second
    assert all(school)
    refused = limiter.hit("school", now=start + 59.9)  # the 601st in that minute
    assert not refused.allowed and refused.retry_after == 1


def test_burst_limit_fires_within_ten_seconds_with_retry_after(build):
    app = build(rate_limit_burst=5, rate_limit_per_minute=0)
    client = app.test_client()
    _fresh_window(10)
    before = time.time()
    responses = _logins(client, 6)
    after = time.time()
    assert _codes(responses) == [400] * 5 + [429]
    limited = responses[-1]
    retry_after = int(limited.headers["Retry-After"])
    # Seconds until the ten-second window ends, rounded up.
    assert math.ceil(10 - after % 10) <= retry_after <= math.ceil(10 - before % 10)
    page = limited.get_data(as_text=True)
    assert "Too many launches from your network" in page
    assert f"Wait {retry_after} second" in page  # "second" when it is 1
    # Another address has its own budget.
    client.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    assert client.get("/lti/login").status_code == 400


def test_per_minute_limit_fires_with_retry_after_to_the_minute(build):
    app = build(rate_limit_burst=0, rate_limit_per_minute=4)
    client = app.test_client()
    _fresh_window(60)
    before = time.time()
    responses = _logins(client, 5)
    after = time.time()
    assert _codes(responses) == [400] * 4 + [429]
    retry_after = int(responses[-1].headers["Retry-After"])
    assert math.ceil(60 - after % 60) <= retry_after <= math.ceil(60 - before % 60)


def test_login_and_launch_count_together_and_json_says_what_to_do(build, simulated_lms):
    app = build(rate_limit_burst=3, rate_limit_per_minute=0)
    client = app.test_client()
    lms = LmsDriver(app, client, simulated_lms)
    lms.register()
    _fresh_window(10)
    assert lms.launch().status_code == 302  # login + launch: 2 requests
    assert lms.login(lms.spec()).status_code == 302  # the 3rd
    limited = client.post("/api/verify", data=b"{}")  # the verifier API shares the budget
    assert limited.status_code == 429
    body = limited.get_json()
    assert "Too many launches" in body["error"] and "reload the page" in body["advice"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 10


# -- shared through Redis ---------------------------------------------------------------


@pytest.fixture
def shared_secret(redis_url: str) -> Iterator[str]:
    """A secret key of this test's own: the Redis keys of two apps sharing it share a
    prefix no other test uses; they are deleted afterwards."""
    secret = "test-" + secrets.token_hex(8)
    yield secret
    with redis.Redis.from_url(redis_url) as client:
        keys = list(client.scan_iter(match=key_prefix(secret) + "*"))
        if keys:
            client.delete(*keys)


def test_two_apps_sharing_redis_share_one_budget(build, redis_url, shared_secret):
    config = dict(redis_url=redis_url, secret_key=shared_secret, rate_limit_per_minute=0)
    first = build(rate_limit_burst=4, **config)
    second = build(rate_limit_burst=4, **config)
    _fresh_window(10)
    codes = _codes(_logins(first.test_client(), 2) + _logins(second.test_client(), 3))
    assert codes == [400, 400, 400, 400, 429]
    with redis.Redis.from_url(redis_url) as client:
        keys = [k.decode() for k in client.scan_iter(match=key_prefix(shared_secret) + "*")]
        assert keys and all(client.ttl(k) > 0 for k in keys)  # counters expire by themselves
    assert not any("127.0.0.1" in key for key in keys)  # addresses are hashed


def test_redis_down_falls_back_to_counting_per_process(build, caplog):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = build(
        redis_url=f"redis://:hunter2@127.0.0.1:{port}/0",
        rate_limit_burst=3,
        rate_limit_per_minute=0,
    )
    caplog.set_level(logging.INFO, logger="lti_tool")
    _fresh_window(10)
    codes = _codes(_logins(app.test_client(), 4))
    assert codes == [400, 400, 400, 429]  # never a 500, and the limit still holds
    warnings = [r for r in caplog.records if "Redis" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING  # logged once
    assert "hunter2" not in caplog.text  # the URL's password stays out of the log


def test_a_redis_that_hangs_costs_one_bounded_timeout(build):
    """A Redis host that accepts connections but never answers: the first request waits
    for the short timeout, the next ones count per process without waiting again."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        silent.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(silent.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = silent.getsockname()[1]
    app = build(
        redis_url=f"redis://127.0.0.1:{port}/0", rate_limit_burst=50, rate_limit_per_minute=0
    )
    client = app.test_client()
    try:
        started = time.monotonic()
        assert client.get("/lti/login").status_code == 400
        first = time.monotonic() - started
        started = time.monotonic()
        _logins(client, 5)
        rest = time.monotonic() - started
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        silent.close()
    assert first < 1.5, f"the first request waited {first:.2f} s for Redis"
    assert rest < 0.5, f"five more requests took {rest:.2f} s: Redis was asked again"


# -- login state rows per client --------------------------------------------------------


def _login_states(app, client_hash: str | None = None) -> int:
    with transaction(app) as session:
        query = select(func.count()).select_from(LoginState)
        if client_hash is not None:
            query = query.where(LoginState.client_hash == client_hash)
        return session.execute(query).scalar_one()


def test_login_states_are_bounded_per_client(build, simulated_lms):
    app = build(rate_limit_burst=0, rate_limit_per_minute=0)
    client = app.test_client()
    lms = LmsDriver(app, client, simulated_lms)
    lms.register()
    extra = 5
    logins = [lms.login(lms.spec()) for _ in range(MAX_LOGIN_STATES_PER_CLIENT + extra)]
    assert all(r.status_code == 302 for r in logins)
    assert _login_states(app) == MAX_LOGIN_STATES_PER_CLIENT  # the oldest went
    # Stored as a keyed hash of the address, never the address itself.
    expected = hmac.new(
        b"test-secret-key", b"login_state_client\x00127.0.0.1", hashlib.sha256
    ).hexdigest()
    assert _login_states(app, expected) == MAX_LOGIN_STATES_PER_CLIENT
    # The newest login still completes; the oldest was dropped and says so.
    assert client.post("/lti/launch", data=lms.authorize(logins[-1])).status_code == 302
    oldest = client.post("/lti/launch", data=lms.authorize(logins[0]))
    assert oldest.status_code == 400 and "it expired" in oldest.get_data(as_text=True)
    # Another address (another school's NAT) keeps its own logins.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert lms.login(lms.spec(), client=other).status_code == 302
    assert _login_states(app, expected) == MAX_LOGIN_STATES_PER_CLIENT - 1  # one launched
    assert _login_states(app) == MAX_LOGIN_STATES_PER_CLIENT


# -- forwarded addresses ----------------------------------------------------------------


def test_forged_forwarded_for_gets_no_fresh_budget_without_the_proxy(build):
    """trusted_proxy_count = 1, but the request reached the tool directly from the Internet:
    its X-Forwarded-For is the client's own invention, rotated on every request."""
    app = build(trusted_proxy_count=1, rate_limit_burst=3, rate_limit_per_minute=0)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = PUBLIC_PEER
    _fresh_window(10)
    codes = [
        client.get("/lti/login", headers={"X-Forwarded-For": f"198.18.0.{i}"}).status_code
        for i in range(4)
    ]
    assert codes == [400, 400, 400, 429]


def test_clients_behind_the_proxy_are_counted_by_their_forwarded_address(build):
    """Through the proxy (a loopback or private peer), each client has its own budget:
    the proxy's address is not throttled for everyone."""
    app = build(trusted_proxy_count=1, rate_limit_burst=3, rate_limit_per_minute=0)
    client = app.test_client()  # the peer is 127.0.0.1: the proxy on this host
    _fresh_window(10)
    distinct = [
        client.get("/lti/login", headers={"X-Forwarded-For": f"198.18.0.{i}"}).status_code
        for i in range(6)
    ]
    assert distinct == [400] * 6
    same = _codes(_logins(client, 4, headers={"X-Forwarded-For": "198.18.1.1"}))
    assert same == [400, 400, 400, 429]
