"""HTTP/1.1 downstream: byte-identical forwarding, keep-alive, pipelining, chunked uploads,
Expect: 100-continue, HEAD, 204, large responses, header handling (Host, hop-by-hop,
X-Forwarded-For, traceparent)."""
import hashlib
import json
import subprocess

import pytest

from helpers import H1Reader, connect, h1_request, request_bytes
from mock_upstream import SECRET_KEY, pattern_bytes

AUTH = ["-H", f"Authorization: Bearer {SECRET_KEY}", "-H", "Content-Type: application/json"]
CHAT = json.dumps({"model": "mock-gpt-1", "messages": [{"role": "user", "content": "hello"}]})


def curl(*args, timeout=60) -> subprocess.CompletedProcess:
    return subprocess.run(["curl", "-sS", *args], capture_output=True, timeout=timeout)


def curl_full(*args, timeout=60):
    """(status, headers dict lowercased, body) using curl -i is ambiguous; use -D."""
    out = subprocess.run(["curl", "-sS", "-D", "/dev/stderr", *args], capture_output=True, timeout=timeout)
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    heads = out.stderr.decode("latin-1").split("\r\n\r\n")
    last = [h for h in heads if h.startswith("HTTP/")][-1]
    lines = last.split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return status, headers, out.stdout


@pytest.mark.parametrize("path,extra", [
    ("/v1/chat/completions", ["-X", "POST", "--data-binary", CHAT]),
    ("/v1/models", []),
    ("/large?bytes=300000", []),
    ("/v1/chat/completions", ["-X", "POST", "-H", "x-mock-status: 429", "--data-binary", CHAT]),
])
def test_http1_byte_identical(mock, sidecar, path, extra):
    """curl --http1.1 through the proxy gets the same status, body and key headers as direct."""
    sc = sidecar(mock.url)
    d = curl_full("--http1.1", *AUTH, *extra, mock.url + path)
    p = curl_full("--http1.1", *AUTH, *extra, sc.url + path)
    assert p[0] == d[0]
    assert p[2] == d[2]
    for h in ("content-type", "x-mock-id"):
        assert p[1].get(h) == d[1].get(h), h


def test_http1_keepalive_reuse(mock, sidecar):
    """Two URLs in one curl run reuse one downstream connection (num_connects 1 then 0)."""
    sc = sidecar(mock.url)
    out = curl("--http1.1", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{num_connects},%{http_code}\n",
               sc.url + "/echo", sc.url + "/echo")
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().split() == ["1,200", "0,200"]


@pytest.mark.proxy_only
def test_http1_upstream_idle_timeout(mock, sidecar):
    """A pooled upstream connection is reused while idle for less than --upstream-idle-timeout
    (also after the idle timer first fired during an earlier idle spell) and replaced after."""
    import time
    sc = sidecar(mock.url, "--upstream-idle-timeout", "3", threads=1)

    def get():
        with connect(sc.url) as s:
            s.sendall(request_bytes("GET", "/echo", sc.hostport))
            assert H1Reader(s).read_response().status == 200
        return mock.find("/echo")[-1].conn_id

    first = get()
    time.sleep(1.0)
    assert get() == first  # idle 1 s
    time.sleep(2.2)
    # The timer armed at the first request fired at 3 s and found the connection idle for
    # only 2 s: it waits for the rest instead of closing (0.8 s of margin for a loaded machine).
    assert get() == first
    time.sleep(5.0)
    assert get() != first  # idle 5 s: closed, a new connection


@pytest.mark.proxy_only
def test_http1_upstream_pool_reuse(mock, sidecar):
    """Sequential requests on one loop reuse one pooled upstream keep-alive connection."""
    sc = sidecar(mock.url, threads=1)
    with connect(sc.url) as s:
        rd = H1Reader(s)
        for _ in range(5):
            s.sendall(request_bytes("GET", "/echo", sc.hostport))
            assert rd.read_response().status == 200
    conn_ids = {r.conn_id for r in mock.find("/echo")}
    assert len(mock.find("/echo")) == 5 and len(conn_ids) == 1, conn_ids


def test_http1_pipelining(mock, sidecar):
    """Three pipelined requests sent in one write are all answered, in order."""
    sc = sidecar(mock.url)
    host = sc.hostport
    payload = (request_bytes("GET", "/echo?n=1", host, [("x-mock-delay-ms", "150")])
               + request_bytes("POST", "/echo?n=2", host, [], b"second-body")
               + request_bytes("GET", "/echo?n=3", host))
    with connect(sc.url) as s:
        s.sendall(payload)
        rd = H1Reader(s)
        rs = [rd.read_response() for _ in range(3)]
    assert [r.status for r in rs] == [200, 200, 200]
    assert [r.json()["target"] for r in rs] == ["/echo?n=1", "/echo?n=2", "/echo?n=3"]
    assert rs[1].json()["body"] == "second-body"


def test_http1_chunked_upload_multi_mb(mock, sidecar, tmp_path):
    """A 6 MB chunked upload arrives at the upstream byte-identical."""
    sc = sidecar(mock.url)
    data = pattern_bytes(6 * 1024 * 1024 + 123)
    f = tmp_path / "up.bin"
    f.write_bytes(data)
    out = curl("--http1.1", "-H", "Transfer-Encoding: chunked", "-H", "Expect:", "--data-binary", f"@{f}",
               sc.url + "/echo")
    assert out.returncode == 0, out.stderr
    j = json.loads(out.stdout)
    assert j["body_len"] == len(data)
    assert j["body_sha256"] == hashlib.sha256(data).hexdigest()


def test_http1_raw_chunked_upload_in_pieces(mock, sidecar):
    """A chunked body written in odd-sized pieces with chunk extensions arrives intact."""
    sc = sidecar(mock.url)
    data = pattern_bytes(1_500_000)
    with connect(sc.url) as s:
        s.sendall(f"POST /echo HTTP/1.1\r\nHost: {sc.hostport}\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        i, n = 0, 1
        while i < len(data):
            piece = data[i:i + n * 997]
            s.sendall(b"%x;ext=1\r\n" % len(piece) + piece + b"\r\n")
            i += len(piece)
            n = n % 50 + 1
        s.sendall(b"0\r\n\r\n")
        r = H1Reader(s, 30).read_response()
    assert r.status == 200
    assert r.json()["body_sha256"] == hashlib.sha256(data).hexdigest()


def test_http1_expect_100_continue(mock, sidecar):
    """A client sending Expect: 100-continue gets 100 Continue before sending, and its body goes through."""
    sc = sidecar(mock.url)
    data = pattern_bytes(2_000_000)
    with connect(sc.url) as s:
        s.sendall(f"POST /echo HTTP/1.1\r\nHost: {sc.hostport}\r\nContent-Length: {len(data)}\r\n"
                  f"Expect: 100-continue\r\n\r\n".encode())
        rd = H1Reader(s, 5)
        first = rd.read_response(skip_1xx=False)  # a real client waits for this before sending
        assert first.status == 100, f"expected 100 Continue, got {first.status}"
        s.sendall(data)
        r = rd.read_response()
    assert r.status == 200
    assert r.json()["body_sha256"] == hashlib.sha256(data).hexdigest()


def test_http1_curl_expect_large_post(mock, sidecar, tmp_path):
    """curl's own Expect: 100-continue flow for a large POST completes quickly and intact."""
    sc = sidecar(mock.url)
    data = pattern_bytes(3_000_000)
    f = tmp_path / "b.bin"
    f.write_bytes(data)
    out = curl("--http1.1", "--expect100-timeout", "10", "-H", "Expect: 100-continue", "--data-binary", f"@{f}",
               "-w", "\n%{time_total}", sc.url + "/echo")
    assert out.returncode == 0, out.stderr
    body, total = out.stdout.rsplit(b"\n", 1)
    assert json.loads(body)["body_sha256"] == hashlib.sha256(data).hexdigest()
    assert float(total) < 8, "curl waited for its expect100 timeout: no 100 Continue from the proxy"


def test_http1_head_and_204(mock, sidecar):
    """HEAD gets headers without a body and 204 gets no body; the connection stays usable."""
    sc = sidecar(mock.url)
    with connect(sc.url) as s:
        rd = H1Reader(s)
        s.sendall(request_bytes("HEAD", "/large?bytes=5000", sc.hostport))
        r = rd.read_response(head_request=True)
        assert r.status == 200 and r.header("content-length") == "5000"
        s.sendall(request_bytes("GET", "/status/204", sc.hostport))
        r = rd.read_response()
        assert r.status == 204 and r.body == b""
        s.sendall(request_bytes("GET", "/echo", sc.hostport))
        r = rd.read_response()
        assert r.status == 200 and r.json()["method"] == "GET"
        assert rd.buf == b"", "stray bytes after HEAD/204"


@pytest.mark.slow
@pytest.mark.parametrize("chunked", ["0", "1"])
def test_http1_large_response_50mb(mock, sidecar, chunked):
    """A 50 MB response (length-delimited and chunked) streams through intact."""
    sc = sidecar(mock.url)
    n = 50 * 1024 * 1024
    out = subprocess.run(["curl", "-sS", "--http1.1", f"{sc.url}/large?bytes={n}&chunked={chunked}"],
                         capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert len(out.stdout) == n
    assert hashlib.sha256(out.stdout).digest() == hashlib.sha256(pattern_bytes(n)).digest()


@pytest.mark.proxy_only
def test_http1_host_rewritten_and_forward_headers(mock, sidecar):
    """Upstream sees Host rewritten to itself, X-Forwarded-For kept and traceparent passed through."""
    sc = sidecar(mock.url)
    tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    r = h1_request(sc.url, "GET", "/echo", [("X-Forwarded-For", "203.0.113.7"), ("traceparent", tp),
                                             ("tracestate", "congo=t61rcWkgMzE")])
    j = r.json()
    hs = {k.lower(): v for k, v in j["headers"]}
    assert hs["host"] == mock.hostport
    assert hs["x-forwarded-for"].startswith("203.0.113.7")
    assert hs["traceparent"] == tp
    assert hs["tracestate"] == "congo=t61rcWkgMzE"


@pytest.mark.proxy_only
def test_http1_hop_by_hop_removed(mock, sidecar):
    """Hop-by-hop request and response headers (incl. those named in Connection) are not forwarded."""
    sc = sidecar(mock.url)
    r = h1_request(sc.url, "GET", "/echo", [("Connection", "keep-alive, X-Hop"), ("X-Hop", "secret-hop"),
                                             ("Keep-Alive", "timeout=5"), ("Proxy-Connection", "keep-alive"),
                                             ("Proxy-Authorization", "Basic Zm9vOmJhcg=="),
                                             ("X-End2End", "kept"), ("x-mock-hop", "1")])
    assert r.status == 200
    names = [k.lower() for k, _ in r.json()["headers"]]
    for hop in ("x-hop", "keep-alive", "proxy-connection", "proxy-authorization"):
        assert hop not in names, f"{hop} forwarded upstream"
    conn_vals = [v.lower() for k, v in r.json()["headers"] if k.lower() == "connection"]
    assert all("x-hop" not in v for v in conn_vals)
    assert "x-end2end" in names
    resp_names = [k.lower() for k, _ in r.headers]
    assert "x-resp-hop" not in resp_names and "keep-alive" not in resp_names
    assert r.header("x-resp-end2end") == "kept"


def test_http1_post_body_identical_content_length(mock, sidecar):
    """A Content-Length POST body (binary, 256 KiB) reaches the upstream unchanged."""
    sc = sidecar(mock.url)
    data = bytes(range(256)) * 1024
    r = h1_request(sc.url, "POST", "/echo", [("Content-Type", "application/octet-stream")], data)
    assert r.status == 200
    j = r.json()
    assert j["body_len"] == len(data) and j["body_sha256"] == hashlib.sha256(data).hexdigest()
    assert not j["chunked"]


def test_http10_client_gets_close_delimited_body(mock, sidecar):
    """An HTTP/1.0 client gets a body it can read (no chunked coding) and the connection closes."""
    sc = sidecar(mock.url)
    with connect(sc.url) as s:
        s.sendall(f"GET /large?bytes=100000&chunked=1 HTTP/1.0\r\nHost: {sc.hostport}\r\n\r\n".encode())
        rd = H1Reader(s)
        r = rd.read_response()
        assert r.status == 200
        assert "chunked" not in (r.header("transfer-encoding") or "").lower()
        assert r.body == pattern_bytes(100000)
        assert rd.closed_within(3)
