"""The coordinator sync link's transport with real processes: HTTP/2 in clear (h2c with prior
knowledge, HTTP/1.1 still served on the same port), and TLS with mutual authentication using a
test CA made here with the openssl CLI. A budget holds across two sidecars over each; a sidecar
without a valid client certificate is refused at the handshake and its admissions fail closed;
a sidecar that cannot verify the coordinator says so in its log and fails closed too."""
from __future__ import annotations

import re
import subprocess

import httpx
import pytest

from cluster_helpers import SECRET, Coordinator, cluster_flags, free_port, make_ca, make_leaf, wait_for
from test_cluster import chat, usage_total

pytestmark = pytest.mark.proxy_only


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict:
    """The cluster CA with a coordinator certificate (127.0.0.1) and two sidecar client
    certificates; another CA with a client certificate of its own; a coordinator certificate
    from the cluster CA for a name that is not the address dialled."""
    d = tmp_path_factory.mktemp("sync-pki")
    make_ca(d, "cluster-ca")
    make_ca(d, "other-ca")
    return {
        "ca": str(d / "cluster-ca.pem"),
        "other_ca": str(d / "other-ca.pem"),
        "coordinator": make_leaf(d, "cluster-ca", "coordinator", "IP:127.0.0.1,DNS:localhost", "serverAuth"),
        "misnamed_coordinator": make_leaf(d, "cluster-ca", "elsewhere", "DNS:coordinator.elsewhere.example", "serverAuth"),
        "sidecars": [make_leaf(d, "cluster-ca", f"sidecar-{i}", f"DNS:sidecar-{i}.test", "clientAuth") for i in range(2)],
        "rogue": make_leaf(d, "other-ca", "rogue", "DNS:rogue.test", "clientAuth"),
    }


@pytest.fixture
def coordinator(tmp_path):
    started: list[Coordinator] = []

    def start(*extra: str, admin: bool = False) -> Coordinator:
        c = Coordinator(free_port(), tmp_path / f"coordinator-{len(started)}.log", list(extra),
                        admin_port=free_port() if admin else None).start()
        started.append(c)
        return c

    yield start
    for c in started:
        c.stop()
        text = c.stderr()
        assert "Fatal error" not in text and "Current stack trace" not in text, text
        assert SECRET not in text, "the sync secret must never be logged"


def metric(text: str, name: str) -> int:
    m = re.search(rf"^{re.escape(name)} (\d+)$", text, re.M)
    assert m, f"{name} not in metrics:\n{text}"
    return int(m.group(1))


def coordinator_metrics(coord: Coordinator) -> str:
    return httpx.get(coord.url + "/metrics", timeout=5).text


def drive_until_refused(scs, limit: int) -> tuple[list[int], list[int]]:
    """Alternates chats over the sidecars until each refused twice with the cluster budget."""
    served, refused = [0] * len(scs), [0] * len(scs)
    for n in range(400):
        i = n % len(scs)
        r = chat(scs[i].url)
        if r.status_code == 200:
            served[i] += 1
        else:
            assert r.status_code == 429 and r.json()["error"]["code"] == "cluster_budget_exceeded", r.text
            refused[i] += 1
            if min(refused) >= 2:
                break
    return served, refused


def assert_budget_held(coord: Coordinator, logs, limit: int) -> None:
    b = wait_for(lambda: (lambda b: b if b["used"] == usage_total(logs) and b["outstanding"] == 0 else None)(
        coord.budget("total_tokens/lifetime")), 10, "coordinator used == sum of usage records")
    assert 0 < b["used"] <= limit


def link(sc) -> dict:
    """The sidecar's view of its (only) coordinator link, from its admin GET /cluster."""
    (c,) = httpx.get(sc.admin_url + "/cluster", timeout=5).json()["coordinators"]
    return c


def test_sync_over_h2c_enforces_budget_and_keeps_http1(mock, sidecar, coordinator, tmp_path):
    """Two sidecars sync over h2c (counted as h2 by the coordinator) and share the budget; curl over HTTP/2 and HTTP/1.1 gets the authenticated refusal."""
    limit = 2000
    coord = coordinator("--budget", f"total_tokens={limit}/lifetime", "--no-learning")
    gports = [free_port() for _ in range(2)]
    logs = [tmp_path / f"usage-{i}.jsonl" for i in range(2)]
    scs = [sidecar(mock.url, *cluster_flags(coord, f"h2c-{i}", gports[i], gports), "--usage-log", str(logs[i]))
           for i in range(2)]
    served, refused = drive_until_refused(scs, limit)
    assert all(s > 0 for s in served) and min(refused) >= 2, (served, refused)
    assert_budget_held(coord, logs, limit)
    m = coordinator_metrics(coord)
    assert metric(m, 'tollgate_coordinator_sync_requests_total{protocol="h2"}') > 0
    assert metric(m, 'tollgate_coordinator_sync_requests_total{protocol="http/1.1"}') == 0
    # One multiplexed connection per sidecar carries its exchanges (reconnects aside).
    h2_requests = metric(m, 'tollgate_coordinator_sync_requests_total{protocol="h2"}')
    h2_connections = metric(m, 'tollgate_coordinator_connections_total{protocol="h2"}')
    assert 2 <= h2_connections and h2_connections * 5 <= h2_requests, (h2_connections, h2_requests)
    for s in scs:
        c = link(s)
        assert (c["transport"], c["heard"], c["link_problem"]) == ("h2c", True, None) and c["exchanges"] > 0, c
        assert f'tollgate_cluster_sync_exchanges_total{{coordinator="{coord.addr}",transport="h2c",outcome="ok"}}' in s.metrics()
    # HTTP/2 with prior knowledge, unauthenticated frames: refused in the caller's protocol.
    out = subprocess.run(["curl", "-sS", "--http2-prior-knowledge", "-X", "POST", "--data-binary", "not a sync frame",
                          "-w", "\n%{http_version} %{http_code}", f"http://{coord.addr}/v1/sync"],
                         capture_output=True, text=True, timeout=20)
    body, _, status = out.stdout.rpartition("\n")
    assert status == "2 400", out.stdout + out.stderr
    assert body.startswith("rejected sync frame"), body
    # The same port still answers HTTP/1.1 (older sidecars, tools).
    r = httpx.post(f"http://{coord.addr}/v1/sync", content=b"not a sync frame", timeout=5)
    assert (r.http_version, r.status_code) == ("HTTP/1.1", 400)
    m = coordinator_metrics(coord)
    assert metric(m, 'tollgate_coordinator_sync_requests_total{protocol="http/1.1"}') == 1
    assert metric(m, 'tollgate_coordinator_frames_rejected_total{reason="bad_magic"}') >= 2


def mtls_coordinator(coordinator, pki, limit: int) -> Coordinator:
    return coordinator("--budget", f"total_tokens={limit}/lifetime", "--no-learning",
                       "--sync-tls-cert", pki["coordinator"]["cert"], "--sync-tls-key", pki["coordinator"]["key"],
                       "--sync-tls-client-ca", pki["ca"], admin=True)


def test_sync_over_mutual_tls_enforces_budget(mock, sidecar, coordinator, pki, tmp_path):
    """Two sidecars with client certificates from the cluster CA sync over mutual TLS (h2) and share the budget."""
    limit = 2000
    coord = mtls_coordinator(coordinator, pki, limit)
    assert "mutual TLS" in coord.stderr()
    gports = [free_port() for _ in range(2)]
    logs = [tmp_path / f"usage-{i}.jsonl" for i in range(2)]
    scs = [sidecar(mock.url, *cluster_flags(coord, f"mtls-{i}", gports[i], gports), "--usage-log", str(logs[i]),
                   "--coordinator-ca", pki["ca"], "--sync-tls-cert", pki["sidecars"][i]["cert"],
                   "--sync-tls-key", pki["sidecars"][i]["key"])
           for i in range(2)]
    served, refused = drive_until_refused(scs, limit)
    assert all(s > 0 for s in served) and min(refused) >= 2, (served, refused)
    assert_budget_held(coord, logs, limit)
    m = coordinator_metrics(coord)
    assert metric(m, 'tollgate_coordinator_sync_requests_total{protocol="h2"}') > 0
    assert sum(metric(m, f'tollgate_coordinator_tls_handshake_failures_total{{reason="{r}"}}')
               for r in ("no_client_certificate", "bad_certificate", "handshake")) == 0
    assert all(link(s)["transport"] == "h2+tls" and link(s)["exchanges"] > 0 for s in scs)
    # Plain h2c to a TLS port is not served.
    out = subprocess.run(["curl", "-sS", "--http2-prior-knowledge", "-m", "5", f"http://{coord.addr}/healthz"],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode != 0


@pytest.mark.parametrize("client", ["none", "rogue"])
def test_mutual_tls_refuses_sidecar_without_valid_certificate(mock, sidecar, coordinator, pki, client):
    """A sidecar with no client certificate, or one from another CA, fails the handshake (counted, logged) and its admissions fail closed."""
    coord = mtls_coordinator(coordinator, pki, 2000)
    flags = ["--coordinator-ca", pki["ca"]]
    if client == "rogue":
        flags += ["--sync-tls-cert", pki["rogue"]["cert"], "--sync-tls-key", pki["rogue"]["key"]]
    sc = sidecar(mock.url, *cluster_flags(coord, f"refused-{client}", wait=1), *flags)
    r = chat(sc.url)
    assert r.status_code == 503 and r.json()["error"]["code"] == "cluster_budget_unavailable", r.text
    reason = "no_client_certificate" if client == "none" else "bad_certificate"
    wait_for(lambda: metric(coordinator_metrics(coord), f'tollgate_coordinator_tls_handshake_failures_total{{reason="{reason}"}}') > 0,
             10, f"a {reason} handshake failure counted")
    assert f"TLS handshake from 127.0.0.1 refused ({reason})" in coord.stderr()
    hint = "requires a client certificate" if client == "none" else "refused this sidecar's client certificate"
    wait_for(lambda: hint in sc.stderr(), 10, "the sidecar's log explains the refusal")
    c = link(sc)
    assert c["heard"] is False and c["exchanges"] == 0 and c["failures"] > 0 and hint in c["link_problem"], c
    assert coord.budget("total_tokens/lifetime")["used"] == 0
    assert chat(sc.url).status_code == 503
    assert SECRET not in sc.stderr()


@pytest.mark.parametrize("case", ["other_ca", "misnamed"])
def test_sidecar_refuses_coordinator_it_cannot_verify(mock, sidecar, coordinator, pki, case):
    """A coordinator certificate from a CA the sidecar was not given, or for another name, fails verification: a clear log line, admissions fail closed."""
    leaf = pki["misnamed_coordinator"] if case == "misnamed" else pki["coordinator"]
    coord = coordinator("--budget", "total_tokens=2000/lifetime", "--no-learning",
                        "--sync-tls-cert", leaf["cert"], "--sync-tls-key", leaf["key"], "--sync-tls-client-ca", pki["ca"],
                        admin=True)
    ca = pki["other_ca"] if case == "other_ca" else pki["ca"]
    sc = sidecar(mock.url, *cluster_flags(coord, f"unverified-{case}", wait=1), "--coordinator-ca", ca,
                 "--sync-tls-cert", pki["sidecars"][0]["cert"], "--sync-tls-key", pki["sidecars"][0]["key"])
    r = chat(sc.url)
    assert r.status_code == 503 and r.json()["error"]["code"] == "cluster_budget_unavailable", r.text
    wait_for(lambda: "TLS certificate verification of" in sc.stderr() and "check --coordinator-ca" in sc.stderr(),
             10, "the sidecar logs the failed verification")
    assert metric(coordinator_metrics(coord), 'tollgate_coordinator_sync_requests_total{protocol="h2"}') == 0


def test_sync_tls_flags_checked_at_start():
    """Half a TLS configuration is refused at start with a clear message, on both ends."""
    from cluster_helpers import TOLLGATE_BIN
    r = subprocess.run([TOLLGATE_BIN, "coordinator", "--sync-secret", "x", "--sync-tls-client-ca", "/nonexistent"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode != 0 and "--sync-tls-client-ca needs --sync-tls-cert" in r.stderr + r.stdout
    r = subprocess.run([TOLLGATE_BIN, "coordinator", "--sync-secret", "x", "--sync-tls-cert", "/nonexistent"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode != 0 and "--sync-tls-cert and --sync-tls-key go together" in r.stderr + r.stdout
    r = subprocess.run([TOLLGATE_BIN, "sidecar", "--upstream", "http://127.0.0.1:9", "--coordinator", "127.0.0.1:9",
                        "--sync-secret", "x", "--coordinator-ca", "/nonexistent/ca.pem"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode != 0 and "cannot load CA file /nonexistent/ca.pem" in r.stderr + r.stdout


def test_refused_sync_frames_are_explained_once(mock, sidecar, coordinator):
    """A sidecar with the wrong sync secret gets 400s over h2: its /cluster and log name the reason, logged once however often it retries."""
    coord = coordinator("--budget", "requests=1000/lifetime", "--no-learning")
    sc = sidecar(mock.url, "--coordinator", coord.addr, "--sync-secret", "not-the-secret", "--node-id", "x", "--cluster-wait", "0.5")
    assert chat(sc.url).status_code == 503
    c = wait_for(lambda: (lambda c: c if c["exchanges"] >= 5 else None)(link(sc)), 20, "several refused exchanges")
    assert c["heard"] is False and "answered 400: rejected sync frame" in c["link_problem"], c
    assert "check --sync-secret-file" in c["link_problem"]
    assert sc.stderr().count("answered 400: rejected sync frame") == 1, sc.stderr()[-2000:]
    assert "not-the-secret" not in sc.stderr()


def test_sync_over_server_only_tls(mock, sidecar, coordinator, pki):
    """TLS without client certificates: a sidecar that only trusts the cluster CA syncs over h2 and the budget holds."""
    coord = coordinator("--budget", "requests=5/lifetime", "--no-learning",
                        "--sync-tls-cert", pki["coordinator"]["cert"], "--sync-tls-key", pki["coordinator"]["key"], admin=True)
    assert "(TLS: h2 and HTTP/1.1)" in coord.stderr()
    sc = sidecar(mock.url, *cluster_flags(coord, "tls-only"), "--coordinator-ca", pki["ca"])
    codes = [chat(sc.url).status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429], codes
    assert link(sc)["transport"] == "h2+tls"
    assert coord.budget("requests/lifetime")["used"] == 5 or wait_for(
        lambda: coord.budget("requests/lifetime")["used"] == 5, 10, "5 requests reported")


def test_rotated_coordinator_certificate_is_used_for_new_connections(mock, sidecar, coordinator, pki, tmp_path):
    """Replacing the coordinator's certificate files takes effect without a restart: after the swap a new sidecar sees the new certificate (here one for another name, so it fails verification)."""
    import os
    import shutil
    cert, key = tmp_path / "coord.pem", tmp_path / "coord.key"
    shutil.copy(pki["coordinator"]["cert"], cert)
    shutil.copy(pki["coordinator"]["key"], key)
    coord = coordinator("--budget", "requests=100/lifetime", "--no-learning", "--sync-tls-cert", str(cert),
                        "--sync-tls-key", str(key), "--sync-tls-client-ca", pki["ca"], admin=True)
    client = ["--coordinator-ca", pki["ca"], "--sync-tls-cert", pki["sidecars"][0]["cert"], "--sync-tls-key", pki["sidecars"][0]["key"]]
    before = sidecar(mock.url, *cluster_flags(coord, "before-rotation", wait=2), *client)
    assert chat(before.url).status_code == 200
    for src, dst in ((pki["misnamed_coordinator"]["key"], key), (pki["misnamed_coordinator"]["cert"], cert)):
        shutil.copy(src, str(dst) + ".new")
        os.replace(str(dst) + ".new", dst)
    wait_for(lambda: "certificate files changed; new connections use them" in coord.stderr(), 15, "the coordinator reloads")
    after = sidecar(mock.url, *cluster_flags(coord, "after-rotation", wait=1), *client)
    assert chat(after.url).status_code == 503
    wait_for(lambda: "TLS certificate verification of" in after.stderr(), 10, "the new certificate is served (and fails the name check)")
