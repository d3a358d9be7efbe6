"""Process lifecycle: SIGTERM / SIGINT stop accepting, drain in-flight streams (bounded by
--drain-timeout) and exit 0; bad command lines fail cleanly; several event loops serve."""
import json
import os
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import TOLLGATE_BIN
from helpers import H1Reader, H2Client, connect, free_port, h1_request, request_bytes, sse_over_h1

pytestmark = pytest.mark.proxy_only


def refused_within(url, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            s = connect(url, 1)
            s.close()
        except ConnectionRefusedError:
            return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_idle_exits_zero(mock, sidecar, sig):
    """SIGTERM / SIGINT on an idle proxy: exit 0 within 3 s and the port is closed."""
    sc = sidecar(mock.url)
    assert h1_request(sc.url, "GET", "/echo").status == 200
    sc.signal(sig)
    assert sc.wait_exit(3) == 0
    assert refused_within(sc.url, 1)


def test_sigterm_drains_open_sse_stream(mock, sidecar):
    """SIGTERM mid-stream: new connections refused soon, the stream completes fully, exit 0."""
    sc = sidecar(mock.url, drain_timeout=15)
    result = {}

    def client():
        try:
            result["resp"], result["events"] = sse_over_h1(sc.url, "/sse?n=20&interval_ms=150", timeout=20)
        except Exception as e:  # noqa: BLE001
            result["error"] = repr(e)

    t = threading.Thread(target=client)
    t.start()
    assert mock.wait_for(lambda: mock.find("/sse") and len(mock.find("/sse")[0].events_sent) >= 3, 5)
    sc.signal(signal.SIGTERM)
    t_sig = time.monotonic()
    assert refused_within(sc.url, 2), "still accepting connections 2 s after SIGTERM"
    assert sc.alive(), "exited before the in-flight stream finished"
    t.join(20)
    assert "error" not in result, result.get("error")
    assert result["resp"].status == 200
    assert [json.loads(e.data.split(b"data: ")[1])["i"] for e in result["events"]] == list(range(20))
    # The mock marks the stream finished just after writing its end; allow its thread to get there.
    assert mock.wait_for(lambda: mock.find("/sse")[0].finished is not None, 3)
    rc = sc.wait_exit(5)
    assert rc == 0, f"exit code {rc} after draining"
    assert time.monotonic() - t_sig < 10


def test_sigterm_drains_h2_stream_with_goaway(mock, sidecar):
    """SIGTERM with an h2 stream open: the client gets GOAWAY, the stream still completes, exit 0."""
    sc = sidecar(mock.url, drain_timeout=15)
    c = H2Client(sc.url, timeout=20)
    try:
        sid = c.request("GET", "/sse?n=15&interval_ms=150")
        c.wait(sid, 10, until=lambda st: len(st.events) >= 2)
        sc.signal(signal.SIGTERM)
        st = c.wait(sid, 15)
        assert st.ended and st.reset_code is None, \
            f"stream not ended cleanly: events={len(st.events)} closed={c.closed} " \
            f"h2 error={c.protocol_error} goaway={c.terminated}"
        assert len(st.events) == 15
        end = time.monotonic() + 3
        while c.terminated is None and not c.closed and time.monotonic() < end:
            c.pump(0.2)
        assert c.terminated is not None, "no GOAWAY sent on shutdown"
        assert c.terminated.last_stream_id >= sid
    finally:
        c.close()
    assert sc.wait_exit(5) == 0


def test_sigterm_idle_keepalive_does_not_block_exit(mock, sidecar):
    """Idle keep-alive connections are closed at SIGTERM instead of holding the drain open."""
    sc = sidecar(mock.url, drain_timeout=20)
    s = connect(sc.url)
    try:
        s.sendall(request_bytes("GET", "/echo", sc.hostport))
        rd = H1Reader(s)
        assert rd.read_response().status == 200
        sc.signal(signal.SIGTERM)
        assert sc.wait_exit(4) == 0, "idle keep-alive connection kept the proxy alive"
        assert rd.closed_within(1)
    finally:
        s.close()


def test_drain_timeout_bounds_shutdown(mock, sidecar):
    """A stream longer than --drain-timeout does not keep the process alive past it."""
    sc = sidecar(mock.url, drain_timeout=1)
    sc.expect_clean_exit = False  # the exit code after a forced drain is the proxy's choice
    s = connect(sc.url)
    try:
        s.sendall(request_bytes("GET", "/sse?n=200&interval_ms=100", sc.hostport))
        H1Reader(s, 10)._until(b"data: {\"i\":1}")
        t0 = time.monotonic()
        sc.signal(signal.SIGTERM)
        rc = sc.wait_exit(5)
        assert rc is not None, "still running 5 s after SIGTERM with --drain-timeout 1"
        assert time.monotonic() - t0 >= 0.8, "did not wait for the drain timeout"
        assert rc in (0, 1, 2), f"unexpected exit {rc}"
    finally:
        s.close()
    assert mock.wait_for(lambda: mock.find("/sse")[0].client_closed, 2)


def test_sigpipe_ignored_and_threads(mock, sidecar):
    """With --threads 4, 40 concurrent clients (half of which vanish mid-stream) are all served."""
    sc = sidecar(mock.url, threads=4)
    errors = []

    def worker(i):
        try:
            if i % 2:
                s = connect(sc.url)
                s.sendall(request_bytes("GET", "/large?bytes=20000000", sc.hostport))
                s.recv(1000)
                s.close()
            else:
                r = h1_request(sc.url, "POST", f"/echo?w={i}", [], b"p" * 1000)
                assert r.status == 200 and r.json()["target"] == f"/echo?w={i}"
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(40)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    assert not errors, errors[:5]
    assert sc.alive()
    assert h1_request(sc.url, "GET", "/echo").status == 200


@pytest.mark.parametrize("args", [
    ["sidecar", "--listen", "not-an-address", "--upstream", "http://127.0.0.1:1"],
    ["sidecar", "--upstream", "ftp://127.0.0.1:1"],
    ["sidecar", "--no-such-flag"],
    ["sidecar", "--upstream", "https://127.0.0.1:1", "--upstream-ca", "/nonexistent/ca.pem"],
])
def test_bad_command_line_fails_cleanly(args):
    """Invalid flags exit non-zero quickly with a message, no crash."""
    full = [TOLLGATE_BIN, *args, "--admin", f"127.0.0.1:{free_port()}"]
    if "--listen" not in args:
        full += ["--listen", f"127.0.0.1:{free_port()}"]
    out = subprocess.run(full, capture_output=True, timeout=15, stdin=subprocess.DEVNULL)
    assert out.returncode not in (0, -signal.SIGSEGV, -signal.SIGILL, -signal.SIGTRAP, -signal.SIGABRT), out
    text = (out.stdout + out.stderr).decode(errors="replace")
    assert text.strip(), "no error message"
    assert "Fatal error" not in text and "stack trace" not in text.lower()


def test_listen_port_in_use_fails(mock, sidecar):
    """Starting on a port that is already bound fails with a non-zero exit, not a hang."""
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    try:
        out = subprocess.run([TOLLGATE_BIN, "sidecar", "--listen", f"127.0.0.1:{blocker.getsockname()[1]}",
                              "--upstream", mock.url, "--admin", f"127.0.0.1:{free_port()}"],
                             capture_output=True, timeout=15, stdin=subprocess.DEVNULL)
    finally:
        blocker.close()
    assert out.returncode != 0
