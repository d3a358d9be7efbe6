"""Admin port: /healthz, /readyz and Prometheus /metrics.

Metric names assumed (the proxy should expose exactly these; label order is free):
  tollgate_requests_total{protocol="http/1.1"|"h2",status="200",...}   counter
  tollgate_active_connections                                          gauge (downstream, data port)
  tollgate_bytes_received_total                                        counter (downstream bytes in)
  tollgate_bytes_sent_total                                            counter (downstream bytes out)
  tollgate_request_duration_seconds_bucket{le="..."} / _sum / _count   histogram
Protocol label values are matched loosely: "http/1.1", "http1", "HTTP/1.1", "h1" for HTTP/1.1 and
"h2", "http2", "HTTP/2" for HTTP/2.
"""
import re
import urllib.request

import pytest

from helpers import H1Reader, H2Client, connect, h1_request, request_bytes

pytestmark = pytest.mark.proxy_only

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)', re.M)
H1_NAMES = {"http/1.1", "http1", "http1.1", "h1", "HTTP/1.1"}
H2_NAMES = {"h2", "http2", "HTTP/2", "h2c", "http/2"}


def samples(text):
    out = []
    for name, labels, value in SAMPLE.findall(text):
        lab = dict(re.findall(r'(\w+)="([^"]*)"', labels or ""))
        out.append((name, lab, float(value)))
    return out


def total(text, name, **want):
    s = 0.0
    for n, lab, v in samples(text):
        if n != name:
            continue
        ok = True
        for k, allowed in want.items():
            if lab.get(k) not in (allowed if isinstance(allowed, set) else {allowed}):
                ok = False
        if ok:
            s += v
    return s


def test_healthz_readyz(mock, sidecar):
    """GET /healthz and /readyz on the admin port answer 200."""
    sc = sidecar(mock.url)
    assert sc.admin_get("/healthz")[0] == 200
    assert sc.admin_get("/readyz")[0] == 200


def test_admin_unknown_path_404(mock, sidecar):
    """Unknown admin paths are 404, and the admin port does not proxy to the upstream."""
    sc = sidecar(mock.url)
    assert sc.admin_get("/v1/models")[0] == 404
    assert not mock.requests


def test_metrics_format(mock, sidecar):
    """/metrics is Prometheus text with the documented families, TYPE lines and a histogram."""
    sc = sidecar(mock.url)
    h1_request(sc.url, "GET", "/echo")
    with urllib.request.urlopen(sc.admin_url + "/metrics", timeout=5) as r:
        assert r.status == 200
        assert r.headers.get("Content-Type", "").startswith("text/plain")
        text = r.read().decode()
    for fam, typ in [("tollgate_requests_total", "counter"), ("tollgate_active_connections", "gauge"),
                     ("tollgate_bytes_received_total", "counter"), ("tollgate_bytes_sent_total", "counter"),
                     ("tollgate_request_duration_seconds", "histogram")]:
        base = fam[:-len("_total")] if fam.endswith("_total") else fam
        assert re.search(rf"^# TYPE ({re.escape(fam)}|{re.escape(base)}) {typ}$", text, re.M), f"no TYPE for {fam}"
    assert re.search(r'^tollgate_request_duration_seconds_bucket\{[^}]*le="\+Inf"[^}]*\} \d', text, re.M)
    assert re.search(r"^tollgate_request_duration_seconds_sum(\{[^}]*\})? ", text, re.M)
    assert re.search(r"^tollgate_request_duration_seconds_count(\{[^}]*\})? ", text, re.M)
    for line in text.splitlines():
        assert not line or line.startswith("#") or SAMPLE.match(line), f"malformed line: {line!r}"


def test_metrics_count_requests_by_status_and_protocol(mock, sidecar):
    """Request counters by status and protocol, bytes and the histogram grow with traffic."""
    sc = sidecar(mock.url)
    before = sc.metrics()
    for _ in range(3):
        assert h1_request(sc.url, "GET", "/echo").status == 200
    assert h1_request(sc.url, "GET", "/status/404").status == 404
    c = H2Client(sc.url)
    try:
        for _ in range(2):
            assert c.wait(c.request("GET", "/echo"), 10).status == 200
    finally:
        c.close()
    after = sc.metrics()
    d = lambda name, **kw: total(after, name, **kw) - total(before, name, **kw)  # noqa: E731
    assert d("tollgate_requests_total", status="200", protocol=H1_NAMES) == 3, after
    assert d("tollgate_requests_total", status="404", protocol=H1_NAMES) == 1
    assert d("tollgate_requests_total", status="200", protocol=H2_NAMES) == 2
    assert d("tollgate_bytes_received_total") > 0
    assert d("tollgate_bytes_sent_total") > 500
    inf = d("tollgate_request_duration_seconds_bucket", le="+Inf")
    assert inf >= 6, f"histogram +Inf bucket grew by {inf}"
    assert d("tollgate_request_duration_seconds_count") >= 6


def test_metrics_error_statuses(sidecar):
    """Proxy-generated 502s are counted under status="502"."""
    from helpers import free_port
    sc = sidecar(f"http://127.0.0.1:{free_port()}")
    assert h1_request(sc.url, "GET", "/v1/models").status == 502
    assert total(sc.metrics(), "tollgate_requests_total", status="502") >= 1


def test_metrics_active_connections_gauge(mock, sidecar):
    """tollgate_active_connections counts open downstream connections and drops when they close."""
    sc = sidecar(mock.url)
    base = total(sc.metrics(), "tollgate_active_connections")
    socks = []
    try:
        for _ in range(3):
            s = connect(sc.url)
            s.sendall(request_bytes("GET", "/echo", sc.hostport))
            assert H1Reader(s).read_response().status == 200
            socks.append(s)
        held = total(sc.metrics(), "tollgate_active_connections")
        assert held - base == 3, f"gauge {base} -> {held} with 3 open connections"
    finally:
        for s in socks:
            s.close()
    import time
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and total(sc.metrics(), "tollgate_active_connections") > base:
        time.sleep(0.05)
    assert total(sc.metrics(), "tollgate_active_connections") == base
