"""Egress proxy: apps that keep the providers' default URLs are governed through HTTPS_PROXY.

The openai SDK with no base_url change reaches a local TLS mock playing api.openai.com
(dialed through --egress-resolve, never the internet; the mock's certificate is for
api.openai.com from the suite's test CA, trusted with --upstream-ca). Tollgate intercepts with
a leaf minted from a CA made by `tollgate ca init`, so calls are accounted and budgeted like
base-URL calls. Hosts not intercepted are tunnelled opaquely (bytes counted), strict mode
refuses hosts not allowed, and no certificate is ever minted for a host not configured."""
from __future__ import annotations

import json
import os
import re
import socket
import ssl
import stat
import subprocess

import httpx
import pytest

from conftest import TOLLGATE_BIN
from helpers import free_port
from mock_upstream import ANTHROPIC_SECRET_KEY, SECRET_KEY
from test_openai_sdk import MSGS, anthropic, openai
from test_usage import records

pytestmark = pytest.mark.proxy_only

COMPARED = ("api", "model_requested", "input_tokens", "output_tokens", "total_tokens", "cost_micro_usd",
            "stream", "status", "estimated")


@pytest.fixture(scope="session")
def openai_cert(certs):
    """A certificate for api.openai.com (and other.test) from the suite's test CA, for the mock."""
    d = certs["dir"]

    def run(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True, timeout=60)

    if not os.path.exists(os.path.join(d, "openai.pem")):  # one per xdist worker
        run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "openai.key", "-out", "openai.csr", "-subj", "/CN=api.openai.com")
        with open(os.path.join(d, "openai.cnf"), "w") as f:
            f.write("subjectAltName=DNS:api.openai.com,DNS:api.anthropic.com,DNS:other.test\nextendedKeyUsage=serverAuth\n"
                    "authorityKeyIdentifier=keyid\n")
        run("x509", "-req", "-in", "openai.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "openai.pem", "-days", "7", "-extfile", "openai.cnf")
    return {"cert": os.path.join(d, "openai.pem"), "key": os.path.join(d, "openai.key")}


@pytest.fixture
def egress_ca(tmp_path):
    """A CA made by `tollgate ca init`, and a client bundle holding it (what the app trusts)."""
    out = tmp_path / "egress-ca"
    r = subprocess.run([TOLLGATE_BIN, "ca", "init", "--out", str(out)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return {"cert": str(out / "ca.pem"), "key": str(out / "ca.key"), "stdout": r.stdout}


@pytest.fixture
def provider(make_mock, openai_cert):
    """The TLS mock that plays api.openai.com (HTTP/1.1 and h2 by ALPN)."""
    return make_mock(certfile=openai_cert["cert"], keyfile=openai_cert["key"], alpn=("h2", "http/1.1"))


def egress_sidecar(sidecar, base, provider, egress_ca, certs, *extra):
    return sidecar(base.url, "--egress", "--egress-ca-cert", egress_ca["cert"], "--egress-ca-key", egress_ca["key"],
                   "--egress-resolve", f"api.openai.com=127.0.0.1:{provider.port}",
                   "--upstream-ca", certs["ca"], *extra)


def sdk(monkeypatch, proxy_url, bundle):
    """An openai client configured the way an unmodified app is: environment only."""
    monkeypatch.setenv("HTTPS_PROXY", proxy_url)
    monkeypatch.setenv("SSL_CERT_FILE", bundle)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    return openai.OpenAI(api_key=SECRET_KEY, max_retries=0, timeout=20)


def metric(text, name, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(name + ("{" + want + "}" if want else " ")):
            return float(line.rsplit(" ", 1)[1])
    return None


def connect_raw(proxy_port, target, headers=""):
    """Sends CONNECT target and returns (status, head+body text, socket)."""
    s = socket.create_connection(("127.0.0.1", proxy_port), timeout=10)
    s.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n{headers}\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    m = re.search(rb"content-length: *(\d+)", head, re.I)
    if m:
        while len(rest) < int(m.group(1)):
            chunk = s.recv(4096)
            if not chunk:
                break
            rest += chunk
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, (head + b"\r\n\r\n" + rest).decode(errors="replace"), s


def test_ca_init(egress_ca):
    """`tollgate ca init` writes a P-256 CA (CA:TRUE, keyCertSign, ~10 years) with a 0600 key and
    says how to trust it."""
    assert stat.S_IMODE(os.stat(egress_ca["key"]).st_mode) == 0o600
    text = subprocess.run(["openssl", "x509", "-in", egress_ca["cert"], "-noout", "-text"],
                          capture_output=True, text=True, check=True, timeout=30).stdout
    assert "CA:TRUE" in text and "Certificate Sign" in text and "P-256" in text
    end = subprocess.run(["openssl", "x509", "-in", egress_ca["cert"], "-noout", "-checkend", str(9 * 365 * 86400)],
                         capture_output=True, timeout=30)
    assert end.returncode == 0, "CA expires within 9 years"
    for var in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "HTTPS_PROXY"):
        assert var in egress_ca["stdout"]
    again = subprocess.run([TOLLGATE_BIN, "ca", "init", "--out", os.path.dirname(egress_ca["key"])],
                           capture_output=True, text=True, timeout=30)
    assert again.returncode != 0 and "--force" in again.stderr


def test_openai_sdk_through_https_proxy_is_accounted(mock, provider, sidecar, egress_ca, certs, tmp_path, monkeypatch):
    """The unmodified SDK (HTTPS_PROXY + SSL_CERT_FILE only) gets its answers from 'api.openai.com',
    and its non-stream and stream calls are recorded exactly like the same calls by base URL."""
    log = tmp_path / "usage.jsonl"
    sc = egress_sidecar(sidecar, mock, provider, egress_ca, certs, "--usage-log", str(log))
    # Reference: the same calls by base URL (to the plain mock).
    base = openai.OpenAI(base_url=sc.url + "/v1", api_key=SECRET_KEY, max_retries=0, timeout=20)
    ref = base.chat.completions.create(model="gpt-4o-mini", messages=MSGS)
    ref_chunks = [c.model_dump() for c in base.chat.completions.create(model="gpt-4o-mini", messages=MSGS, stream=True)]

    client = sdk(monkeypatch, sc.url, egress_ca["cert"])
    assert str(client.base_url).startswith("https://api.openai.com/")
    r = client.chat.completions.create(model="gpt-4o-mini", messages=MSGS)
    chunks = [c.model_dump() for c in client.chat.completions.create(model="gpt-4o-mini", messages=MSGS, stream=True)]
    assert r.choices[0].message.content == ref.choices[0].message.content
    assert r.usage.model_dump() == ref.usage.model_dump()
    assert [c["choices"] for c in chunks] == [c["choices"] for c in ref_chunks]
    assert not any(c.get("usage") for c in chunks), "the injected usage chunk leaked to the client"

    got = provider.find("/v1/chat/completions")
    assert len(got) == 2 and all(g.header("host") == "api.openai.com" for g in got)
    assert "api.openai.com" in provider.sni_names  # verified under the real name
    ref_nonstream, ref_stream, nonstream, stream = records(log, 4)
    for a, b in ((ref_nonstream, nonstream), (ref_stream, stream)):
        assert {k: a[k] for k in COMPARED} == {k: b[k] for k in COMPARED}
    assert nonstream["deployment"] == stream["deployment"] == "api.openai.com"
    assert stream["stream"] is True and stream["output_tokens"] == 5 and stream["estimated"] is False
    m = sc.metrics()
    assert metric(m, "tollgate_egress_requests_total", host="api.openai.com", mode="intercept", outcome="allowed") >= 1
    assert metric(m, "tollgate_egress_certificates_minted_total") == 1  # cached per host
    assert SECRET_KEY not in log.read_text()


def test_anthropic_sdk_stream_through_https_proxy(mock, provider, sidecar, egress_ca, certs, tmp_path, monkeypatch):
    """api.anthropic.com is intercepted by default: the unmodified Anthropic SDK's stream is recorded."""
    log = tmp_path / "usage.jsonl"
    sc = sidecar(mock.url, "--egress", "--egress-ca-cert", egress_ca["cert"], "--egress-ca-key", egress_ca["key"],
                 "--egress-resolve", f"api.anthropic.com=127.0.0.1:{provider.port}", "--upstream-ca", certs["ca"],
                 "--usage-log", str(log))
    monkeypatch.setenv("HTTPS_PROXY", sc.url)
    monkeypatch.setenv("SSL_CERT_FILE", egress_ca["cert"])
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    client = anthropic.Anthropic(api_key=ANTHROPIC_SECRET_KEY, max_retries=0, timeout=20)
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=64, messages=MSGS) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text and final.usage.output_tokens > 0
    (rec,) = records(log, 1)
    assert rec["api"].startswith("anthropic") and rec["deployment"] == "api.anthropic.com"
    assert rec["output_tokens"] == final.usage.output_tokens and rec["stream"] is True
    assert provider.find("/v1/messages")[-1].header("host") == "api.anthropic.com"


def test_budget_applies_to_intercepted_calls(mock, provider, sidecar, egress_ca, certs, monkeypatch):
    """A request budget counts intercepted SDK calls and refuses the one over it with a 429 the SDK understands."""
    sc = egress_sidecar(sidecar, mock, provider, egress_ca, certs, "--budget", "requests=2/lifetime")
    client = sdk(monkeypatch, sc.url, egress_ca["cert"])
    for _ in range(2):
        client.chat.completions.create(model="gpt-4o-mini", messages=MSGS)
    with pytest.raises(openai.RateLimitError) as e:
        client.chat.completions.create(model="gpt-4o-mini", messages=MSGS, stream=True)
    assert e.value.status_code == 429
    assert len(provider.find("/v1/chat/completions")) == 2
    (b,) = httpx.get(sc.admin_url + "/budgets", timeout=5).json()["budgets"]
    assert b["used"] == 2


def test_http2_inside_interception(mock, provider, sidecar, egress_ca, certs, tmp_path):
    """A client offering h2 gets HTTP/2 inside the intercepted TLS, and the call is still accounted."""
    log = tmp_path / "usage.jsonl"
    sc = egress_sidecar(sidecar, mock, provider, egress_ca, certs, "--usage-log", str(log))
    with httpx.Client(http2=True, proxy=sc.url, verify=ssl.create_default_context(cafile=egress_ca["cert"]),
                      trust_env=False, timeout=20) as c:
        r = c.post("https://api.openai.com/v1/chat/completions", headers={"authorization": f"Bearer {SECRET_KEY}"},
                   json={"model": "gpt-4o-mini", "messages": MSGS})
        r2 = c.get("https://api.openai.com/v1/models", headers={"authorization": f"Bearer {SECRET_KEY}"})
    assert r.status_code == 200 and r.http_version == "HTTP/2"
    assert r2.status_code == 200 and r2.json()["data"]
    (rec,) = records(log, 1)
    assert rec["output_tokens"] == r.json()["usage"]["completion_tokens"] and rec["deployment"] == "api.openai.com"


def test_strict_refuses_host_not_allowed(mock, sidecar):
    """In strict mode CONNECT to a host not allowed gets 403 naming the host (curl and raw)."""
    sc = sidecar(mock.url, "--egress", "--egress-strict", "--egress-allow", "*.allowed.test")
    out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_connect}", "-x", sc.url,
                          "https://blocked.example/"], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and out.stdout == "403"
    status, text, s = connect_raw(sc.port, "blocked.example:443")
    s.close()
    assert status == 403 and "blocked.example" in text and "not allowed" in text
    assert metric(sc.metrics(), "tollgate_egress_requests_total", host="blocked.example", mode="any", outcome="denied") == 2


def test_opaque_tunnel_counts_bytes_and_mints_nothing(make_mock, sidecar, certs, egress_ca):
    """An allowed host that is not intercepted is tunnelled: curl reaches the mock through it with
    the mock's own certificate, and the tunnel's bytes are counted per host."""
    tls = make_mock(certfile=certs["cert"], keyfile=certs["key"], alpn=("http/1.1",))
    sc = sidecar(tls.url, "--egress", "--egress-strict", "--egress-allow", "localhost",
                 "--egress-ca-cert", egress_ca["cert"], "--egress-ca-key", egress_ca["key"])
    out = subprocess.run(["curl", "-sS", "-x", sc.url, "--cacert", certs["ca"], f"https://localhost:{tls.port}/echo"],
                         capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["tls"] is True
    # A large body through the tunnel arrives whole (backpressure both ways).
    big = subprocess.run(["curl", "-sS", "-x", sc.url, "--cacert", certs["ca"], "-o", "/dev/null", "-w", "%{size_download}",
                          f"https://localhost:{tls.port}/large?bytes=3000000"], capture_output=True, text=True, timeout=60)
    assert big.returncode == 0 and big.stdout == "3000000", big.stderr
    m = sc.metrics()
    up = metric(m, "tollgate_egress_tunnel_bytes_total", host="localhost", direction="upstream")
    down = metric(m, "tollgate_egress_tunnel_bytes_total", host="localhost", direction="downstream")
    assert up > 200 and down > 3000000  # TLS handshakes plus the requests / the responses
    assert metric(m, "tollgate_egress_certificates_minted_total") == 0


def test_unconfigured_host_never_gets_a_minted_certificate(provider, sidecar, egress_ca, certs, mock):
    """openssl s_client through the proxy to a host not configured for interception sees the
    real upstream's certificate (issued by the test CA), never one from Tollgate's CA."""
    sc = sidecar(mock.url, "--egress", "--egress-ca-cert", egress_ca["cert"], "--egress-ca-key", egress_ca["key"],
                 "--egress-resolve", f"other.test=127.0.0.1:{provider.port}",
                 "--egress-resolve", f"api.openai.com=127.0.0.1:{provider.port}")
    out = subprocess.run(["openssl", "s_client", "-proxy", f"127.0.0.1:{sc.port}", "-connect", "other.test:443",
                          "-servername", "other.test", "-CAfile", certs["ca"], "-verify_hostname", "other.test"],
                         input=b"", capture_output=True, timeout=30)
    text = out.stdout.decode(errors="replace")
    assert "Tollgate Integration Test CA" in text and "Verify return code: 0" in text, text[-2000:]
    assert "Tollgate Egress CA" not in text
    m = sc.metrics()
    assert metric(m, "tollgate_egress_certificates_minted_total") == 0
    assert metric(m, "tollgate_egress_requests_total", host="other.test", mode="tunnel", outcome="allowed") == 1
    # The intercepted host, by contrast, is served Tollgate's minted certificate.
    out = subprocess.run(["openssl", "s_client", "-proxy", f"127.0.0.1:{sc.port}", "-connect", "api.openai.com:443",
                          "-servername", "api.openai.com", "-CAfile", egress_ca["cert"]],
                         input=b"", capture_output=True, timeout=30)
    text = out.stdout.decode(errors="replace")
    assert "Tollgate Egress CA" in text and "Verify return code: 0" in text, text[-2000:]
    assert metric(sc.metrics(), "tollgate_egress_certificates_minted_total") == 1


def test_proxy_authentication(make_mock, sidecar, certs):
    """With --egress-proxy-auth, a client without credentials gets 407 and Proxy-Authenticate;
    with them, its tunnel works."""
    tls = make_mock(certfile=certs["cert"], keyfile=certs["key"], alpn=("http/1.1",))
    sc = sidecar(tls.url, "--egress", "--egress-proxy-auth", "agent:s3cret")
    status, text, s = connect_raw(sc.port, f"localhost:{tls.port}")
    s.close()
    assert status == 407 and re.search(r"proxy-authenticate: Basic", text, re.I)
    out = subprocess.run(["curl", "-sS", "-x", sc.url, "-U", "agent:wrong", "--cacert", certs["ca"],
                          "-o", "/dev/null", "-w", "%{http_connect}", f"https://localhost:{tls.port}/echo"],
                         capture_output=True, text=True, timeout=30)
    assert out.stdout == "407"
    out = subprocess.run(["curl", "-sS", "-x", sc.url, "-U", "agent:s3cret", "--cacert", certs["ca"],
                          f"https://localhost:{tls.port}/echo"], capture_output=True, timeout=30)
    assert out.returncode == 0 and json.loads(out.stdout)["tls"] is True
    assert "s3cret" not in sc.stderr()


def test_absolute_form_http_and_dedicated_port(mock, sidecar):
    """On a dedicated --egress-listen port, plain-http proxy requests are forwarded (Proxy-Authorization
    is not), origin-form requests are refused, and the sidecar port still serves base-URL traffic."""
    eport = free_port()
    sc = sidecar(mock.url, "--egress-listen", f"127.0.0.1:{eport}")
    out = subprocess.run(["curl", "-sS", "-x", f"http://127.0.0.1:{eport}", f"http://localhost:{mock.port}/echo?x=1"],
                         capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr
    j = json.loads(out.stdout)
    assert j["target"] == "/echo?x=1"
    assert dict((k.lower(), v) for k, v in j["headers"])["host"] == f"localhost:{mock.port}"
    r = httpx.get(f"http://127.0.0.1:{eport}/echo", timeout=10)
    assert r.status_code == 400 and "egress proxy" in r.json()["error"]["message"]
    assert httpx.get(sc.url + "/echo", timeout=10).status_code == 200
    assert metric(sc.metrics(), "tollgate_egress_requests_total", host="localhost", mode="forward", outcome="allowed") == 1


def test_config_file_section(make_mock, sidecar, certs, tmp_path):
    """The `egress:` section of --config works like the flags: strict allowlist and proxy auth from a file."""
    tls = make_mock(certfile=certs["cert"], keyfile=certs["key"], alpn=("http/1.1",))
    (tmp_path / "auth").write_text("agent:from-file\n")
    cfg = tmp_path / "tollgate.yaml"
    cfg.write_text(f"egress:\n  strict: true\n  allow: [localhost]\n  proxy_auth: file:{tmp_path / 'auth'}\n")
    sc = sidecar(tls.url, "--config", str(cfg))
    ok = subprocess.run(["curl", "-sS", "-x", sc.url, "-U", "agent:from-file", "--cacert", certs["ca"],
                         f"https://localhost:{tls.port}/echo"], capture_output=True, timeout=30)
    assert ok.returncode == 0 and json.loads(ok.stdout)["tls"] is True, ok.stderr
    status, text, s = connect_raw(sc.port, "elsewhere.test:443", "Proxy-Authorization: Basic YWdlbnQ6ZnJvbS1maWxl\r\n")
    s.close()
    assert status == 403 and "elsewhere.test" in text
    assert "from-file" not in sc.stderr()
