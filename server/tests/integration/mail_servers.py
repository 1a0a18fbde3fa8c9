"""Real mail servers for the support desk's email tests: Dovecot (IMAP) and aiosmtpd (SMTP), both from
Debian's packages (scripts/install-deps), each on a free loopback port in a temporary directory, started
by a fixture and stopped after it."""

import email
import email.policy
import imaplib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

from veche_harness import wait_until


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, what, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port}")


class Dovecot:
    """A private Dovecot: one user, maildir under a temporary directory, plain login without TLS."""

    USER = "desk"
    PASSWORD = "desk-secret"

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="veche-dovecot-")
        os.chmod(self.root, 0o755)
        self.port = free_port()
        self.proc = None

    def start(self):
        run = os.path.join(self.root, "run")
        home = os.path.join(self.root, "home")
        os.makedirs(run)
        os.makedirs(home)
        # Mail is stored as nobody: Dovecot refuses root as a mail user.
        uid = gid = 65534
        os.chown(home, uid, gid)
        with open(os.path.join(self.root, "passwd"), "w") as f:
            f.write(f"{self.USER}:{{PLAIN}}{self.PASSWORD}:{uid}:{gid}::{home}\n")
        conf = os.path.join(self.root, "dovecot.conf")
        with open(conf, "w") as f:
            f.write(f"""
base_dir = {run}
state_dir = {run}
log_path = {self.root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = {self.root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {self.root}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
""")
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", conf], stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.root, "stderr.log"), "w"))
        wait_port(self.port, self.proc, "dovecot")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, folder):
        return f"imap://127.0.0.1:{self.port}/{folder}"

    def _client(self):
        c = imaplib.IMAP4("127.0.0.1", self.port)
        c.login(self.USER, self.PASSWORD)
        return c

    def create(self, folder):
        c = self._client()
        try:
            typ, _ = c.create(folder)
            assert typ == "OK"
        finally:
            c.logout()

    def deliver(self, folder, raw):
        """A message arriving in the mailbox (IMAP APPEND, as a delivery agent would store it)."""
        if isinstance(raw, str):
            raw = raw.encode()
        raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        c = self._client()
        try:
            typ, data = c.append(folder, None, None, raw)
            assert typ == "OK", data
        finally:
            c.logout()


class SmtpSink:
    """aiosmtpd accepting every message on a loopback port; `messages` holds what arrived."""

    def __init__(self):
        self.port = free_port()
        self.messages = []
        self.lock = threading.Lock()
        self.controller = None

    def start(self):
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
                with sink.lock:
                    sink.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "msg": msg,
                                          "raw": envelope.content})
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller:
            self.controller.stop()

    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def to(self, address):
        with self.lock:
            return [m for m in self.messages if address in m["to"]]

    def wait_for(self, address, count=1, desc=None):
        return wait_until(lambda: self.to(address) if len(self.to(address)) >= count else None,
                          desc=desc or f"{count} mail(s) to {address}")
