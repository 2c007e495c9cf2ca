"""`papers serve --tls-cert PEM --tls-key PEM` (issue 18): HTTPS with a self-signed certificate made
here with openssl; the CLI (libcurl) over https with `--ca-file` / `PAPERS_CA_FILE`, refusing a
server it cannot verify; the certificate reloaded on SIGHUP (and a broken renewal keeping the old
one); bad options refused at start."""
from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

import requests

from conftest import API, PAPERS_BIN, PASSWORD, free_port, unique_email, wait_until
from test_tui import login_through_form, make_tui, pane_rows, tui_env  # noqa: F401 (fixtures)


def make_certificate(directory: Path, name: str) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
                    "-subj", f"/CN={name}", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def served_certificate(port: int) -> bytes:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, context.wrap_socket(raw) as tls:
        return tls.getpeercert(binary_form=True)


def der(cert: Path) -> bytes:
    return ssl.PEM_cert_to_DER_cert(cert.read_text())


class TLSServer:
    def __init__(self, tmp_path: Path, cert: Path, key: Path):
        self.port = free_port()
        self.log = open(tmp_path / "tls-server.log", "wb")
        self.log_path = tmp_path / "tls-server.log"
        self.proc = subprocess.Popen([PAPERS_BIN, "serve", "--port", str(self.port), "--data", str(tmp_path / "data"), "--tls-cert", str(cert),
                                      "--tls-key", str(key), "--gc-grace", "0"], stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"https://127.0.0.1:{self.port}"

    def close(self):
        self.proc.terminate()
        self.proc.wait(15)
        self.log.close()


def cli(tmp_path: Path, *args: str, env: dict | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PAPERS_")}
    environment.update({"XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}, **(env or {}))
    return subprocess.run([PAPERS_BIN, *args], capture_output=True, text=True, timeout=120, env=environment, input=stdin)


def test_https_for_the_api_and_the_cli_and_a_certificate_renewed_on_sighup(tmp_path):
    cert, key = make_certificate(tmp_path, "first")
    server = TLSServer(tmp_path, cert, key)
    try:
        assert wait_until(lambda: _healthy(server.url, cert), timeout=30), server.log_path.read_text()
        assert "listening on https://127.0.0.1" in server.log_path.read_text()
        # Plain HTTP on the TLS port gets no answer.
        try:
            r = requests.get(f"http://127.0.0.1:{server.port}/health", timeout=5)
            assert r.status_code != 200
        except requests.RequestException:
            pass
        # The CLI: refused without the CA (exit 5, network), through with it.
        email = unique_email()
        refused = cli(tmp_path, "register", "--server", server.url, "--fullname", "T", "--email", email, "--password-stdin", stdin=PASSWORD)
        assert refused.returncode == 5, refused.stderr
        done = cli(tmp_path, "register", "--server", server.url, "--fullname", "T", "--email", email, "--password-stdin", stdin=PASSWORD,
                   env={"PAPERS_CA_FILE": str(cert)})
        assert done.returncode == 0, done.stderr
        done = cli(tmp_path, "login", "--server", server.url, "--email", email, "--password-stdin", "--ca-file", str(cert), stdin=PASSWORD)
        assert done.returncode == 0, done.stderr
        assert json.loads((tmp_path / "config" / "papers" / "session.json").read_text())["ca_file"] == str(cert)
        (tmp_path / "hello.txt").write_bytes(b"over TLS")
        assert cli(tmp_path, "put", str(tmp_path / "hello.txt"), "/").returncode == 0  # the session's CA file
        got = cli(tmp_path, "get", "/hello.txt", "-")
        assert got.returncode == 0 and got.stdout == "over TLS", got.stderr

        # certbot renews: new files, then SIGHUP. New connections get the new certificate.
        assert served_certificate(server.port) == der(cert)
        renewed, renewed_key = make_certificate(tmp_path, "renewed")
        cert.write_bytes(renewed.read_bytes())
        key.write_bytes(renewed_key.read_bytes())
        server.proc.send_signal(signal.SIGHUP)
        assert wait_until(lambda: served_certificate(server.port) == der(renewed), timeout=10)
        assert _healthy(server.url, renewed)
        # A broken renewal keeps the certificate that works.
        cert.write_text("not a certificate")
        server.proc.send_signal(signal.SIGHUP)
        assert wait_until(lambda: "kept the old TLS certificate" in server.log_path.read_text(), timeout=10)
        assert served_certificate(server.port) == der(renewed) and server.proc.poll() is None
    finally:
        server.close()


def _healthy(url: str, cert: Path) -> bool:
    try:
        return requests.get(url + "/health", verify=str(cert), timeout=5).status_code == 200
    except requests.RequestException:
        return False


def test_bad_tls_options_stop_the_start_with_one_line(tmp_path):
    cert, key = make_certificate(tmp_path, "ok")
    junk = tmp_path / "junk.pem"
    junk.write_text("junk")
    other_cert, other_key = make_certificate(tmp_path, "other")
    for args, says in [
        (["--tls-cert", str(cert)], "--tls-cert and --tls-key go together"),
        (["--tls-cert", str(junk), "--tls-key", str(key)], "not a readable PEM certificate"),
        (["--tls-cert", str(cert), "--tls-key", str(junk)], "not a readable PEM private key"),
        (["--tls-cert", str(cert), "--tls-key", str(other_key)], "does the key match the certificate?"),
        (["--tls-cert", str(tmp_path / "absent.pem"), "--tls-key", str(key)], "not a readable PEM certificate"),
    ]:
        done = subprocess.run([PAPERS_BIN, "serve", "--port", "0", "--data", str(tmp_path / "d"), *args], capture_output=True, text=True, timeout=60)
        assert done.returncode != 0, args
        assert says in done.stderr + done.stdout, (args, done.stderr, done.stdout)


def test_the_tui_logs_in_and_browses_over_https_with_its_ca_file(tmp_path, make_tui, tui_env):
    cert, key = make_certificate(tmp_path, "tui")
    server = TLSServer(tmp_path, cert, key)
    try:
        assert wait_until(lambda: _healthy(server.url, cert), timeout=30), server.log_path.read_text()
        email = unique_email()
        r = requests.post(server.url + f"{API}/auth/register", verify=str(cert), timeout=30,
                          json={"fullname": "T", "email": email, "password": PASSWORD, "password_conf": PASSWORD})
        assert r.status_code == 201, r.text
        login = requests.post(server.url + f"{API}/auth/login", verify=str(cert), timeout=30, json={"email": email, "password": PASSWORD}).json()
        up = requests.post(server.url + f"{API}/user/{login['user_id']}/folders/", verify=str(cert), timeout=30,
                           headers={"Authorization": f"Bearer {login['token']}"}, json={"name": "Secure"})
        assert up.status_code == 201, up.text
        tui = make_tui(server.url).start(args=["tui", "--server", server.url, "--ca-file", str(cert)])
        tui.wait_for_screen("Papers — log in")
        login_through_form(tui, email, PASSWORD)
        tui.keys("Enter")
        tui.wait_for_screen(lambda s: s if "Secure/" in pane_rows(s) else None, timeout=20, what="the browser over https")
        session = json.loads((tui_env[1]["config"] / "papers" / "session.json").read_text())
        assert session["server"] == server.url and session["ca_file"] == str(cert)
    finally:
        server.close()
