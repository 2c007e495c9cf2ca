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
    def __init__(self, tmp_path: Path, cert: Path, key: Path, *options: str):
        self.port = free_port()
        self.log = open(tmp_path / "tls-server.log", "wb")
        self.log_path = tmp_path / "tls-server.log"
        self.proc = subprocess.Popen([PAPERS_BIN, "serve", "--port", str(self.port), "--data", str(tmp_path / "data"), "--tls-cert", str(cert),
                                      "--tls-key", str(key), "--gc-grace", "0", *options], stdout=self.log, stderr=subprocess.STDOUT)
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


def curl(cert: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["curl", "-sS", "--cacert", str(cert), *args], capture_output=True, timeout=120, input=stdin)


def test_http2_by_alpn_with_uploads_ranges_streams_on_one_connection_and_an_early_refusal(tmp_path):
    cert, key = make_certificate(tmp_path, "h2")
    server = TLSServer(tmp_path, cert, key, "--max-upload", "8M")
    try:
        assert wait_until(lambda: _healthy(server.url, cert), timeout=30), server.log_path.read_text()
        # ALPN: curl offers h2 and gets it; a client asking for HTTP/1.1 (or offering nothing) gets that.
        versions = {flag: curl(cert, flag, "-o", "/dev/null", "-w", "%{http_version}", server.url + "/health").stdout.decode()
                    for flag in ("--http2", "--http1.1")}
        assert versions == {"--http2": "2", "--http1.1": "1.1"}, versions
        # The whole story over HTTP/2: register, log in, a folder, a 5 MiB upload (Expect and all), ranges.
        email = unique_email()
        body = json.dumps({"fullname": "H", "email": email, "password": PASSWORD, "password_conf": PASSWORD}).encode()
        r = curl(cert, "--http2", "-H", "Content-Type: application/json", "--data-binary", "@-", "-w", "\n%{http_code} %{http_version}",
                 server.url + f"{API}/auth/register", stdin=body)
        assert r.stdout.decode().endswith("201 2"), r
        login = json.loads(curl(cert, "--http2", "-H", "Content-Type: application/json", "--data-binary", "@-", server.url + f"{API}/auth/login",
                                stdin=json.dumps({"email": email, "password": PASSWORD}).encode()).stdout)
        auth, user = f"Authorization: Bearer {login['token']}", login["user_id"]
        content = os.urandom(5 << 20)
        (tmp_path / "big.bin").write_bytes(content)
        r = curl(cert, "--http2", "-H", auth, "-H", "Content-Type: application/octet-stream", "--data-binary", f"@{tmp_path / 'big.bin'}",
                 "-w", "\n%{http_code} %{http_version}", server.url + f"{API}/user/{user}/files/?name=big.bin")
        text = r.stdout.decode()
        assert text.endswith("201 2"), r
        node = json.loads(text.rsplit("\n", 1)[0])
        assert node["size"] == len(content)
        url = server.url + f"{API}/user/{user}/files/{node['id']}/content"
        got = curl(cert, "--http2", "-H", auth, url)
        assert got.returncode == 0 and got.stdout == content
        part = curl(cert, "--http2", "-H", auth, "-H", "Range: bytes=1000-1999", "-D", "-", "-o", str(tmp_path / "part"), url)
        assert b"HTTP/2 206" in part.stdout and (tmp_path / "part").read_bytes() == content[1000:2000]
        # Sixteen downloads at once ride one connection as HTTP/2 streams.
        many = ["--parallel", "--parallel-max", "16", "-H", auth, "-w", "%{http_code} %{num_connects}\n"]
        for i in range(16):
            many += ["-o", str(tmp_path / f"copy{i}"), url]
        r = curl(cert, "--http2", *many)
        lines = r.stdout.decode().split()
        assert lines[0::2] == ["200"] * 16, r
        assert sum(int(n) for n in lines[1::2]) == 1, r  # one TLS connection for all sixteen
        assert all((tmp_path / f"copy{i}").read_bytes() == content for i in range(16))
        # An upload over --max-upload is refused at its head: the 413 is a clean answer, the stream is
        # ended with RST_STREAM(NO_ERROR) instead of the body being read, and nothing is stored.
        (tmp_path / "huge.bin").write_bytes(b"\0" * (12 << 20))
        r = curl(cert, "--http2", "-H", auth, "-H", "Content-Type: application/octet-stream", "--data-binary", f"@{tmp_path / 'huge.bin'}",
                 "-w", "\n%{http_code} %{http_version}", server.url + f"{API}/user/{user}/files/?name=huge.bin")
        assert r.returncode == 0 and r.stdout.decode().endswith("413 2"), r
        assert json.loads(r.stdout.decode().rsplit("\n", 1)[0])["code"] == "payload_too_large"
        names = json.loads(curl(cert, "--http2", "-H", auth, server.url + f"{API}/user/{user}/files/").stdout)
        assert [n["name"] for n in names["items"]] == ["big.bin"], names
        assert server.proc.poll() is None
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
