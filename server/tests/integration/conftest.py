"""Fixtures for the Veche black-box integration suite.

Run:  VECHE_BIN=/work/main/build/debug/veche /usr/bin/python3 -m pytest server/tests/integration -q
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from veche_harness import (  # noqa: E402
    Server,
    WsClient,
    make_user as _make_user,
)


@pytest.fixture(scope="session")
def server():
    """The shared server: most tests use it, each with its own users and chats."""
    srv = Server()
    srv.start()
    yield srv
    srv.cleanup()


@pytest.fixture
def fresh_server():
    """A private server for tests that restart, kill or otherwise disturb the process."""
    srv = Server()
    srv.start()
    yield srv
    srv.cleanup()


@pytest.fixture(scope="session")
def admin_client(server):
    return server.admin()


@pytest.fixture
def make_user(server):
    """Factory: make_user(**kw) -> Client of a brand-new user on the shared server."""

    def factory(**kw):
        return _make_user(server, **kw)

    return factory


@pytest.fixture
def ws_factory():
    """Factory for WsClient that closes every connection at the end of the test."""
    opened = []

    def factory(server, token=None, **kw):
        ws = WsClient(server, token, **kw)
        opened.append(ws)
        return ws

    yield factory
    for ws in opened:
        try:
            ws.abort()
        except Exception:
            pass


# -- print the server logs of the failing test ------------------------------------------------


def pytest_runtest_setup(item):
    item._veche_log_marks = {id(s): s.log_sizes() for s in Server.registry}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if not rep.failed:
        return
    marks = getattr(item, "_veche_log_marks", {})
    for srv in Server.registry:
        out_off, err_off = marks.get(id(srv), (0, 0))
        out = srv.read_log("stdout", out_off)
        err = srv.read_log("stderr", err_off)
        if not out and not err:
            continue

        def tail(s, n=120):
            # keep the head of sanitizer reports (most useful) and the end of the log
            lines = [l if len(l) <= 400 else l[:400] + " ..." for l in s.splitlines()]
            for i, l in enumerate(lines):
                if "ERROR: AddressSanitizer" in l or "runtime error:" in l:
                    return "\n".join(lines[max(0, i - 20):i + 60])
            return "\n".join(lines[-n:])

        rep.sections.append((f"veche :{srv.port} stdout ({rep.when})", tail(out)))
        rep.sections.append((f"veche :{srv.port} stderr ({rep.when})", tail(err)))
