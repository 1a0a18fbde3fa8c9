"""Black-box test harness for the Veche server: process control, HTTP client, WebSocket client.

Everything here talks to the server only through its public API (docs/api.md).
"""

import itertools
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import uuid

import requests
import websocket
from requests.adapters import HTTPAdapter

VECHE_BIN = os.environ.get("VECHE_BIN", "/work/main/build/debug/veche")
# The storage backend the whole suite runs against: "sqlite" (the embedded default) or
# "postgresql" (each Server gets a database of its own on the PostgreSQL that
# scripts/with-test-services started; VECHE_TEST_PG_URL names it).
STORAGE = os.environ.get("VECHE_TEST_STORAGE", "sqlite")
if STORAGE not in ("sqlite", "postgresql"):
    # a typo must not turn the PostgreSQL pass into a second SQLite pass
    raise RuntimeError(f"VECHE_TEST_STORAGE must be 'sqlite' or 'postgresql', not {STORAGE!r}")
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "it-admin-password-0001"
HTTP_TIMEOUT = 30


# ---------------------------------------------------------------------------------------------
# small utilities


# Rate limits (docs/api.md, "Rate limits"). The suite bursts on purpose (1,000 posts from 4 senders,
# a 360-message cluster burst, hundreds of users made by one admin), so every Server it starts gets
# limits far above the defaults, through configuration as an operator would set them. Tests of the
# limits pass their own: Server(rate_limits={"send": (1, 5)}) lowers one action and keeps the
# others raised; Server(rate_limits=None) runs the built-in defaults; "raised" is the default.
RATE_LIMIT_ACTIONS = ("send", "edit", "react", "upload", "search", "create_chat", "invite", "login")
RAISED_RATE_LIMIT = (100000, 1000000)  # per second, burst


def rate_limit_env(rate_limits):
    """VECHE_RATE_LIMIT_* for a Server's `rate_limits` argument (see RATE_LIMIT_ACTIONS)."""
    if rate_limits is None:
        return {}
    rules = {a: RAISED_RATE_LIMIT for a in RATE_LIMIT_ACTIONS}
    for action, rule in ({} if rate_limits == "raised" else rate_limits).items():
        assert action in RATE_LIMIT_ACTIONS, action
        rules[action] = rule
    return {f"VECHE_RATE_LIMIT_{a.upper()}": f"{r[0]}:{r[1]}" for a, r in rules.items()}


def pg_admin_url():
    url = os.environ.get("VECHE_TEST_PG_URL")
    if not url:
        raise RuntimeError("VECHE_TEST_STORAGE=postgresql needs VECHE_TEST_PG_URL (run under scripts/with-test-services)")
    return url


def psql(sql, url=None):
    subprocess.run(["psql", url or pg_admin_url(), "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                   check=True, capture_output=True)


def new_pg_database():
    """A fresh, empty PostgreSQL database; returns its URL."""
    name = "veche_" + uuid.uuid4().hex[:16]
    psql(f"CREATE DATABASE {name}")
    return pg_admin_url().rsplit("/", 1)[0] + "/" + name


def drop_pg_database(url):
    name = url.rsplit("/", 1)[1]
    try:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    except subprocess.CalledProcessError:
        pass


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def uniq(prefix="u"):
    """A unique, valid username-ish string (a-z 0-9 . _ -, <= 32 chars)."""
    return f"{prefix}{uuid.uuid4().hex[:12]}"


# Every Client gets its own loopback source address (the whole 127.0.0.0/8 is loopback on Linux),
# so the per-address login rate limit (30 attempts/min/address) never trips accidentally when the
# suite logs in a few hundred users. Tests that exercise that limit pin one address explicitly.
_ip_counter = itertools.count(1)
_ip_lock = threading.Lock()


def next_source_ip():
    with _ip_lock:
        n = next(_ip_counter)
    return f"127.77.{(n // 250) % 250}.{n % 250 + 2}"


# Waits are on states; a timeout only bounds how long a state may take on a loaded two-core machine
# (the suites run in parallel lanes), so it is generous and a passing test never sleeps it out.
STATE_TIMEOUT = float(os.environ.get("VECHE_TEST_STATE_TIMEOUT", "30"))


def wait_until(pred, timeout=STATE_TIMEOUT, interval=0.02, desc="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = pred()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {desc} (last={last!r})")
        time.sleep(interval)


def expect(resp, status):
    """Assert the HTTP status and return the decoded JSON body (or None for empty bodies)."""
    assert resp.status_code == status, (
        f"{resp.request.method} {resp.request.path_url} -> {resp.status_code} "
        f"(expected {status}): {resp.text[:600]}"
    )
    if not resp.content:
        return None
    ctype = resp.headers.get("Content-Type", "")
    if "json" in ctype or resp.content[:1] in (b"{", b"["):
        return resp.json()
    return resp.text


def check_error_body(resp):
    """Every error must be {"error": {"code": str, "message": str}}; returns the inner dict."""
    try:
        body = resp.json()
    except ValueError:
        raise AssertionError(
            f"error response {resp.status_code} to {resp.request.method} {resp.request.path_url} "
            f"is not JSON: {resp.text[:300]!r}"
        )
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), f"bad error body: {body!r}"
    err = body["error"]
    assert isinstance(err.get("code"), str) and err["code"], f"bad error code: {body!r}"
    assert isinstance(err.get("message"), str), f"bad error message: {body!r}"
    return err


def expect_error(resp, status, code=None):
    """Assert an error status + well-formed error body (+ code, or one of a tuple of codes)."""
    assert resp.status_code == status, (
        f"{resp.request.method} {resp.request.path_url} -> {resp.status_code} "
        f"(expected {status} {code}): {resp.text[:600]}"
    )
    err = check_error_body(resp)
    if code is not None:
        codes = code if isinstance(code, (tuple, list, set)) else (code,)
        assert err["code"] in codes, (
            f"{resp.request.method} {resp.request.path_url} -> {status} code {err['code']!r}, "
            f"expected {code!r}: {resp.text[:300]}"
        )
    return err


# ---------------------------------------------------------------------------------------------
# server process


class Server:
    """One veche process on a loopback port with its own data directory."""

    registry = []  # every Server created in this pytest process (for log dumps on failure)

    def __init__(self, admin_password=ADMIN_PASSWORD, port=None, data_dir=None, binary=None, storage=None, bus=None,
                 extra_env=None, rate_limits="raised", trusted_proxies=None):
        self.binary = binary or VECHE_BIN
        # Own database unless given one (cluster tests share one between nodes); "sqlite" forces
        # the embedded default whatever the suite's backend.
        self.owns_storage = storage is None and STORAGE == "postgresql"
        self.storage = new_pg_database() if self.owns_storage else (None if storage == "sqlite" else storage)
        self.bus = bus
        self.extra_env = extra_env or {}
        self.rate_limits = rate_limits
        self.trusted_proxies = trusted_proxies  # list of addresses/networks, or None
        self.tmp = tempfile.mkdtemp(prefix="veche-it-")
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        os.makedirs(self.data_dir, exist_ok=True)
        self.port = port or free_port()
        self.admin_password = admin_password
        self.stdout_path = os.path.join(self.tmp, "stdout.log")
        self.stderr_path = os.path.join(self.tmp, "stderr.log")
        self.proc = None
        self._admin = None
        self.clients = []
        Server.registry.append(self)

    # -- urls
    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path):
        return self.base + path

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}/api/v1/ws"

    # -- logs
    def read_log(self, which="stdout", offset=0):
        path = self.stdout_path if which == "stdout" else self.stderr_path
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_sizes(self):
        out = []
        for p in (self.stdout_path, self.stderr_path):
            try:
                out.append(os.path.getsize(p))
            except OSError:
                out.append(0)
        return tuple(out)

    def logs(self, tail_lines=150):
        def tail(s):
            lines = s.splitlines()
            return "\n".join(lines[-tail_lines:])

        return f"--- stdout ---\n{tail(self.read_log('stdout'))}\n--- stderr ---\n{tail(self.read_log('stderr'))}"

    # -- lifecycle
    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=20.0):
        assert not self.running, "server already running"
        if not os.path.exists(self.binary):
            raise RuntimeError(f"veche binary not found at {self.binary} (set VECHE_BIN)")
        env = dict(os.environ)
        env.pop("VECHE_BOOTSTRAP_ADMIN_PASSWORD", None)
        for k in list(env):
            if k.startswith("VECHE_RATE_LIMIT") or k == "VECHE_TRUSTED_PROXIES":
                del env[k]
        env.update(rate_limit_env(self.rate_limits))
        if self.trusted_proxies:
            env["VECHE_TRUSTED_PROXIES"] = ",".join(self.trusted_proxies)
        if self.admin_password is not None:
            env["VECHE_BOOTSTRAP_ADMIN_PASSWORD"] = self.admin_password
        out = open(self.stdout_path, "ab")
        err = open(self.stderr_path, "ab")
        try:
            args = [self.binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--data", self.data_dir]
            if self.storage:
                args += ["--storage", self.storage]
            if self.bus:
                args += ["--bus", self.bus]
            env.update(self.extra_env)
            self.proc = subprocess.Popen(
                args,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        finally:
            out.close()
            err.close()
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=20.0):
        deadline = time.monotonic() + timeout
        last_err = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"veche exited with code {self.proc.returncode} during startup\n{self.logs()}"
                )
            try:
                r = requests.get(self.url("/api/v1/health"), timeout=1)
                if r.status_code == 200:
                    return
                last_err = f"status {r.status_code}"
            except requests.RequestException as e:
                last_err = repr(e)
            time.sleep(0.05)
        raise RuntimeError(f"veche not ready after {timeout}s ({last_err})\n{self.logs()}")

    def stop(self, timeout=10.0):
        """SIGTERM and wait; SIGKILL after `timeout`. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode

    def kill(self):
        """SIGKILL (crash simulation) and reap."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self._admin = None
        return self.proc.returncode if self.proc else None

    def restart(self, timeout=20.0):
        self.stop()
        self._admin = None
        return self.start(timeout)

    def cleanup(self):
        self.stop()
        for c in self.clients:
            c.close()
        if not os.environ.get("VECHE_KEEP_DATA"):
            shutil.rmtree(self.tmp, ignore_errors=True)
            if self.owns_storage:
                drop_pg_database(self.storage)

    # -- convenience
    def admin(self):
        """A cached Client logged in as the bootstrap administrator."""
        if self._admin is None:
            self._admin = login(self, ADMIN_USERNAME, self.admin_password)
        return self._admin

    def health(self):
        return requests.get(self.url("/api/v1/health"), timeout=5)


class RedisServer:
    """A private redis-server on a free port that the test may kill and start again."""

    def __init__(self, tmp):
        self.port = free_port()
        self.tmp = tmp
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.tmp)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: subprocess.run(["redis-cli", "-p", str(self.port), "ping"],
                                          capture_output=True, text=True).stdout.strip() == "PONG",
                   timeout=10, desc="redis up")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)


# ---------------------------------------------------------------------------------------------
# HTTP client


class SourceAddressAdapter(HTTPAdapter):
    def __init__(self, source_ip, **kw):
        self._source = (source_ip, 0)
        super().__init__(**kw)

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        pool_kwargs["source_address"] = self._source
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)


def new_http_session(source_ip=None, user_agent=None):
    s = requests.Session()
    s.trust_env = False
    ip = source_ip or next_source_ip()
    s.mount("http://", SourceAddressAdapter(ip, pool_connections=4, pool_maxsize=8))
    s.headers["User-Agent"] = user_agent or "veche-integration-tests/1.0"
    s.source_ip = ip
    return s


class Client:
    """requests wrapper that sends the bearer token of one session."""

    def __init__(self, server, token=None, user=None, session=None, password=None, source_ip=None,
                 user_agent=None, login_response=None):
        self.server = server
        self.token = token
        self.user = user or {}
        self.session_info = session or {}
        self.password = password
        self.login_response = login_response
        self.user_agent = user_agent
        self.http = new_http_session(source_ip, user_agent)
        self.source_ip = self.http.source_ip
        server.clients.append(self)

    @property
    def id(self):
        return self.user.get("id")

    @property
    def username(self):
        return self.user.get("username")

    @property
    def session_id(self):
        return self.session_info.get("id")

    def clone(self):
        """Same token, separate connection pool (for use from another thread)."""
        return Client(self.server, self.token, self.user, self.session_info, self.password,
                      user_agent=self.user_agent)

    def request(self, method, path, auth=True, headers=None, timeout=HTTP_TIMEOUT, **kw):
        h = dict(headers or {})
        if auth and self.token:
            h.setdefault("Authorization", f"Bearer {self.token}")
        return self.http.request(method, self.server.url(path), headers=h, timeout=timeout, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def close(self):
        try:
            self.http.close()
        except Exception:
            pass

    # -- API shortcuts (each asserts success)
    def me(self):
        return expect(self.get("/api/v1/users/me"), 200)

    def create_chat(self, type="channel", name=None, visibility=None, member_ids=None, **extra):
        body = {"type": type}
        if name is None and type == "channel":
            name = uniq("chan-")
        if name is not None:
            body["name"] = name
        if visibility is not None:
            body["visibility"] = visibility
        if member_ids is not None:
            body["member_ids"] = [m.id if isinstance(m, Client) else m for m in member_ids]
        body.update(extra)
        return expect(self.post("/api/v1/chats", json=body), 201)

    def direct(self, other):
        r = self.post("/api/v1/chats", json={"type": "direct", "user_id": other.id if isinstance(other, Client) else other})
        assert r.status_code in (200, 201), r.text
        return r.json()

    def add_members(self, chat_id, users, role=None):
        body = {"user_ids": [u.id if isinstance(u, Client) else u for u in users]}
        if role:
            body["role"] = role
        return expect(self.post(f"/api/v1/chats/{chat_id}/members", json=body), 200)

    def send(self, chat_id, text, client_id=None):
        body = {"text": text}
        if client_id is not None:
            body["client_id"] = client_id
        return expect(self.post(f"/api/v1/chats/{chat_id}/messages", json=body), 201)

    def history(self, chat_id, **params):
        return expect(self.get(f"/api/v1/chats/{chat_id}/messages", params=params), 200)

    def all_messages(self, chat_id, **params):
        """Walk history from the newest page backwards; returns messages oldest first."""
        out = []
        page = self.history(chat_id, limit=200, **params)
        while True:
            out = page["messages"] + out
            if not page["has_more"] or not page["messages"]:
                break
            page = self.history(chat_id, limit=200, before=page["messages"][0]["id"], **params)
        return out

    def chats(self):
        return expect(self.get("/api/v1/chats"), 200)["chats"]


def login(server, username, password, source_ip=None, user_agent=None):
    """Log in and return a Client (asserts 200). The Client keeps the login's source address."""
    source_ip = source_ip or next_source_ip()
    http = new_http_session(source_ip, user_agent)
    try:
        r = http.post(server.url("/api/v1/auth/login"), json={"username": username, "password": password},
                      timeout=HTTP_TIMEOUT)
    finally:
        http.close()
    body = expect(r, 200)
    return Client(server, body["token"], body["user"], body.get("session"), password, source_ip=source_ip,
                  user_agent=user_agent, login_response=r)


def raw_login(server, username, password, source_ip=None, user_agent=None):
    """Log in and return the raw response (no assertion)."""
    http = new_http_session(source_ip, user_agent)
    try:
        return http.post(server.url("/api/v1/auth/login"), json={"username": username, "password": password},
                         timeout=HTTP_TIMEOUT)
    finally:
        http.close()


def make_user(server, admin=None, username=None, password=None, display_name=None, role=None,
              user_agent=None):
    """The admin creates a user with a password, then the user logs in. Returns the user's Client."""
    admin = admin or server.admin()
    username = username or uniq("u")
    password = password or ("pw-" + uuid.uuid4().hex)
    body = {"username": username, "password": password}
    if display_name is not None:
        body["display_name"] = display_name
    if role is not None:
        body["role"] = role
    expect(admin.post("/api/v1/users", json=body), 201)
    return login(server, username.lower(), password, user_agent=user_agent)


# ---------------------------------------------------------------------------------------------
# WebSocket client


class WsClient:
    """A WebSocket connection with a background reader that collects every frame.

    frames: list of decoded JSON frames (dicts) in arrival order.
    last_pos: position of the last event processed (initially the hello last_pos, or head).
    close_code: the close code sent by the server (None while open / if the TCP link just died).
    """

    def __init__(self, server, token=None, cookie=None, last_pos=None, hello=True, explicit_null=False,
                 wait_synced=True, timeout=10.0, extra_headers=None, hold_after_close=False):
        self.server = server
        # hold_after_close: after the close handshake keep the TCP connection open (a stubborn client)
        self.hold_after_close = hold_after_close
        headers = list(extra_headers or [])
        if token:
            headers.append(f"Authorization: Bearer {token.token if isinstance(token, Client) else token}")
        if cookie:
            headers.append(f"Cookie: veche_session={cookie}")
        self.frames = []
        self.pos_violations = []
        self.close_code = None
        self.closed = False
        self.error = None
        self.last_pos = last_pos
        self.hello_ok = None
        self.synced = None
        self._prev_pos = None
        self._cond = threading.Condition()
        self.ws = websocket.create_connection(server.ws_url, header=headers, timeout=timeout)
        self.ws.settimeout(None)
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        if hello:
            msg = {"type": "hello"}
            if last_pos is not None or explicit_null:
                msg["last_pos"] = last_pos
            self.send(msg)
            self.hello_ok = self.wait_for(lambda f: f.get("type") == "hello_ok", timeout, "hello_ok")
            if self.last_pos is None:
                with self._cond:
                    if self.last_pos is None:
                        self.last_pos = self.hello_ok.get("head")
            if wait_synced:
                self.synced = self.wait_for(lambda f: f.get("type") == "synced", timeout, "synced")

    # -- reader
    def _read_loop(self):
        frag_op, frag = None, b""
        try:
            while True:
                frame = self.ws.recv_frame()
                op = frame.opcode
                if op == websocket.ABNF.OPCODE_PING:
                    try:
                        self.ws.pong(frame.data)
                    except Exception:
                        pass
                    continue
                if op == websocket.ABNF.OPCODE_PONG:
                    continue
                if op == websocket.ABNF.OPCODE_CLOSE:
                    code = struct.unpack("!H", frame.data[:2])[0] if len(frame.data) >= 2 else 1005
                    with self._cond:
                        self.close_code = code
                        self.closed = True
                        self._cond.notify_all()
                    try:
                        self.ws.send_close()  # echo the close frame
                    except Exception:
                        pass
                    if not self.hold_after_close:
                        # like a browser: wait for the server to end TCP, then close our side
                        try:
                            while self.ws.sock.recv(65536):
                                pass
                        except Exception:
                            pass
                        try:
                            self.ws.sock.close()
                        except Exception:
                            pass
                    return
                if op in (websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY):
                    frag_op, frag = op, frame.data
                elif op == websocket.ABNF.OPCODE_CONT:
                    frag += frame.data
                if not frame.fin:
                    continue
                data, op, frag_op, frag = frag, frag_op, None, b""
                self._deliver(data, op)
        except Exception as e:  # connection gone (abort, reset, EOF)
            with self._cond:
                self.error = e
                self.closed = True
                self._cond.notify_all()

    def _deliver(self, data, op):
        try:
            obj = json.loads(data.decode("utf-8"))
        except Exception:
            obj = {"type": "__undecodable__", "raw": data[:200], "opcode": op}
        with self._cond:
            if isinstance(obj, dict) and obj.get("type") == "event" and isinstance(obj.get("pos"), int):
                p = obj["pos"]
                if self._prev_pos is not None and p <= self._prev_pos:
                    self.pos_violations.append((self._prev_pos, p))
                self._prev_pos = p
                self.last_pos = p
            self.frames.append(obj)
            self._cond.notify_all()

    # -- sending
    def send(self, obj):
        self.ws.send(json.dumps(obj))

    def send_raw(self, text):
        self.ws.send(text)

    def send_binary(self, data):
        self.ws.send_binary(data)

    # -- inspection
    def snapshot(self):
        with self._cond:
            return list(self.frames)

    def events(self, kind=None, chat_id=None):
        out = []
        for f in self.snapshot():
            if not isinstance(f, dict) or f.get("type") != "event":
                continue
            if kind is not None and f.get("kind") != kind:
                continue
            if chat_id is not None and f.get("chat_id") != chat_id:
                continue
            out.append(f)
        return out

    def wait_for(self, pred, timeout=STATE_TIMEOUT, desc="frame", start=0):
        """Wait for a frame (at index >= start) satisfying pred; returns it."""
        deadline = time.monotonic() + timeout
        idx = start
        with self._cond:
            while True:
                while idx < len(self.frames):
                    f = self.frames[idx]
                    idx += 1
                    if isinstance(f, dict) and pred(f):
                        return f
                if self.closed:
                    raise AssertionError(
                        f"WebSocket closed (code={self.close_code}, error={self.error!r}) while waiting for "
                        f"{desc}; last frames: {self.frames[-8:]!r}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {desc}; "
                                         f"last frames: {self.frames[-8:]!r}")
                self._cond.wait(remaining)

    def wait_event(self, kind, pred=lambda f: True, timeout=STATE_TIMEOUT, start=0):
        return self.wait_for(lambda f: f.get("type") == "event" and f.get("kind") == kind and pred(f),
                             timeout, f"event {kind}", start)

    def count(self):
        with self._cond:
            return len(self.frames)

    def ping(self, timeout=STATE_TIMEOUT):
        """Application-level ping; waits for the matching pong. Proves the link is alive and that
        everything the server queued before the pong has been received."""
        start = self.count()
        self.send({"type": "ping"})
        return self.wait_for(lambda f: f.get("type") == "pong", timeout, "pong", start=start)

    def wait_closed(self, timeout=STATE_TIMEOUT):
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"WebSocket not closed after {timeout}s; last frames {self.frames[-5:]!r}")
                self._cond.wait(remaining)
            return self.close_code

    # -- closing
    def close(self, timeout=3.0):
        """Graceful close (close frame, wait for the echo, then drop the socket)."""
        if not self.closed:
            try:
                self.ws.send_close()
                with self._cond:
                    self._cond.wait_for(lambda: self.closed, timeout)
            except Exception:
                pass
        self.abort()

    def abort(self):
        """Abrupt close: kill the TCP connection without a close handshake; waits for the reader."""
        try:
            self.ws.sock.shutdown(socket.SHUT_RDWR)
        except Exception:
            pass
        try:
            self.ws.sock.close()
        except Exception:
            pass
        self._reader.join(5)
        with self._cond:
            self.closed = True


# ---------------------------------------------------------------------------------------------
# Prometheus text parsing

_SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?\s*$")
_LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Returns a list of (name, labels dict, float value)."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE_RE.match(line)
        if not m:
            continue
        labels = dict(_LABEL_RE.findall(m.group(3) or ""))
        try:
            value = float(m.group(4))
        except ValueError:
            continue
        out.append((m.group(1), labels, value))
    return out


def metric_sum(samples, name, **label_filters):
    """Sum of samples named `name` whose labels match the filters (a callable or an exact value)."""
    total = 0.0
    for n, labels, v in samples:
        if n != name:
            continue
        ok = True
        for k, want in label_filters.items():
            have = labels.get(k)
            if callable(want):
                if have is None or not want(have):
                    ok = False
            elif have != want:
                ok = False
        if ok:
            total += v
    return total
