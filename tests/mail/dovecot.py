"""A real IMAP server for the tests: Debian's Dovecot started as its own process, with its own
configuration in a temporary folder — its own ports on 127.0.0.1, a passwd-file with one test
user, maildirs in the folder, and real TLS with a certificate of a test CA made here by openssl
(the poller trusts that CA through `MAIL_IMAP_CA_FILE`).

Run as root (CI), the mail processes run as Debian's `dovecot` user and the login processes as
`dovenull`, as Dovecot requires; run as anyone else, all of them run as that user.
`.ci/run` installs `dovecot-imapd` when missing. Without the binary the IMAP tests skip on a
developer's machine and FAIL when `CI` is set.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DOVECOT = Path(os.environ.get("REDRESS_DOVECOT", "/usr/sbin/dovecot"))
USER, PASSWORD = "care", "imap-test-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _certificates(folder: Path) -> None:
    """ca.crt (a test CA) and server.crt/server.key for 127.0.0.1 and localhost, signed by it."""
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Redress test CA",
        "-keyout", "ca.key", "-out", "ca.crt", cwd=folder,
    )  # fmt: skip
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", "server.key", "-out", "server.csr", cwd=folder,
    )  # fmt: skip
    (folder / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
    )
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", "server.crt", cwd=folder,
    )  # fmt: skip


@dataclass
class Dovecot:
    root: Path
    imaps_port: int
    imap_port: int
    ca_file: Path
    process: subprocess.Popen

    def connect(self) -> imaplib.IMAP4_SSL:
        """A client of our own (the test's), logged in over TLS."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        conn = imaplib.IMAP4_SSL("127.0.0.1", self.imaps_port, ssl_context=context, timeout=10)
        conn.login(USER, PASSWORD)
        return conn

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        conn = self.connect()
        try:
            typ, data = conn.append(folder, None, None, raw)
            assert typ == "OK", data
        finally:
            conn.logout()

    def flags(self, folder: str = "INBOX") -> dict[str, set[str]]:
        """Message-ID → flags of every message in `folder`."""
        conn = self.connect()
        try:
            typ, _ = conn.select(f'"{folder}"')
            assert typ == "OK", folder
            typ, data = conn.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
            found: dict[str, set[str]] = {}
            for part in data:
                if not isinstance(part, tuple):
                    continue
                head = part[0].decode()
                flags = set(head.split("FLAGS (", 1)[1].split(")", 1)[0].split())
                msgid = part[1].decode().partition(":")[2].strip()
                found[msgid] = flags
            return found
        finally:
            conn.logout()

    @property
    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _config(root: Path, *, imaps_port: int, imap_port: int, login_user: str, internal: str) -> str:
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{root}/server.crt
ssl_key = <{root}/server.key
auth_mechanisms = plain
default_login_user = {login_user}
default_internal_user = {internal}
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
    ssl = yes
  }}
}}
"""


@contextmanager
def dovecot_server() -> Iterator[Dovecot]:
    """Start Dovecot in a fresh folder; stop it and remove the folder when the block ends."""
    # Not pytest's tmp_path: that is private to root (0700), and Dovecot's own users must
    # reach their maildir and the certificate.
    root = Path(tempfile.mkdtemp(prefix="redress-dovecot-"))
    root.chmod(0o755)
    try:
        _certificates(root)
        if os.geteuid() == 0:
            mail_user = pwd.getpwnam("dovecot")
            login_user, internal = "dovenull", "dovecot"
        else:
            mail_user = pwd.getpwuid(os.geteuid())
            login_user = internal = mail_user.pw_name
        home = root / "home" / USER
        home.mkdir(parents=True)
        os.chown(home, mail_user.pw_uid, mail_user.pw_gid)
        (root / "users").write_text(
            f"{USER}:{{PLAIN}}{PASSWORD}:{mail_user.pw_uid}:{mail_user.pw_gid}::{home}\n"
        )
        imaps_port, imap_port = _free_port(), _free_port()
        config = root / "dovecot.conf"
        config.write_text(
            _config(
                root,
                imaps_port=imaps_port,
                imap_port=imap_port,
                login_user=login_user,
                internal=internal,
            )
        )
        process = subprocess.Popen(
            [str(DOVECOT), "-F", "-c", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        server = Dovecot(
            root=root,
            imaps_port=imaps_port,
            imap_port=imap_port,
            ca_file=root / "ca.crt",
            process=process,
        )
        try:
            _wait_until_serving(server)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                process.kill()
                process.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _wait_until_serving(server: Dovecot) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            output = server.process.stdout.read().decode(errors="replace")
            raise RuntimeError(f"dovecot exited: {output}\n{server.log}")
        try:
            server.connect().logout()
            return
        except (OSError, imaplib.IMAP4.error):
            time.sleep(0.2)
    raise RuntimeError(f"dovecot did not start within 20 s:\n{server.log}")
