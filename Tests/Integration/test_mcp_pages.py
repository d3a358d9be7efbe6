"""tools/list pagination through a real Tollgate with the real `mcp` SDK (both revisions): a
server that pages its 25 tools 4 at a time (mcp_paged_server.py, low-level SDK Server) beside a
plain one. The aggregate pages through every tool of every server with its own signed cursor
(a cursor it did not issue is -32602); /mcp/NAME passes the server's cursors through untouched."""
import base64

import pytest

from test_mcp_governance import MODES, client, error_of, mcp_servers, run, tollgate  # noqa: F401 (fixture)

PAGED = [f"tool{i:02d}" for i in range(25)]
PLAIN = ["add", "fail", "gated", "shout", "sleepy", "touch"]


def paged_server(mcp_servers):  # noqa: F811
    return mcp_servers("paged", script="mcp_paged_server.py", args=("--tools", "25", "--page", "4"))


async def all_pages(c, limit=50):
    """Every page of tools/list, following nextCursor until it is absent."""
    pages, cursor = [], None
    for _ in range(limit):
        r = await c.list_tools(cursor=cursor)
        pages.append([t.name for t in r.tools])
        cursor = r.next_cursor
        if not cursor:
            return pages
    raise AssertionError(f"no end after {limit} pages")


@pytest.mark.parametrize("mode", MODES)
def test_aggregate_pages_through_every_tool(mcp_servers, sidecar, tmp_path, mode):  # noqa: F811
    """Paging the aggregate yields every tool of both servers exactly once (the hidden ones
    excepted), over several pages; a tool from a late page can be called, a hidden one is refused."""
    paged, alpha = paged_server(mcp_servers), mcp_servers("alpha")
    sc = tollgate(sidecar, [paged, alpha], tmp_path, "default_policy:\n  tools: {deny: ['paged/tool1*']}\n")

    async def go():
        async with client(sc.url + "/mcp", mode) as c:
            pages = await all_pages(c)
            late = (await c.call_tool("paged_tool22", {})).content[0].text
            try:
                await c.call_tool("paged_tool13", {})
                hidden = None
            except Exception as e:  # noqa: BLE001
                hidden = error_of(e)
            return pages, late, hidden
    pages, late, hidden = run(go())
    names = [n for p in pages for n in p]
    expected = {f"paged_{t}" for t in PAGED if not t.startswith("tool1")} | {f"alpha_{t}" for t in PLAIN}
    assert len(names) == len(set(names)) == len(expected)
    assert set(names) == expected
    # 25 tools 4 a page: 7 pages; the policy filter applies to each page (tool1x sit on pages 3-5).
    assert len(pages) == 7 and all(len(p) <= 4 + len(PLAIN) for p in pages)
    assert all(not n.startswith("paged_tool1") for n in names)
    assert late == "paged:tool22"
    assert hidden.code == -32040 and hidden.data["reason"] == "tool_not_allowed"
    # The server saw its own cursors only, never Tollgate's.
    cursors = [r["list"] for r in paged.records() if "list" in r]
    assert cursors[0] is None and len(cursors) == 7
    assert all(base64.urlsafe_b64decode(c).startswith(b"paged-offset:") for c in cursors[1:])


@pytest.mark.parametrize("mode", MODES)
def test_aggregate_refuses_bad_cursors(mcp_servers, sidecar, tmp_path, mode):  # noqa: F811
    """A cursor the aggregate did not issue, or one altered, is JSON-RPC -32602 Invalid params;
    the session goes on working."""
    paged = paged_server(mcp_servers)
    sc = tollgate(sidecar, [paged], tmp_path)

    async def go():
        async with client(sc.url + "/mcp", mode) as c:
            first = await c.list_tools()
            good = first.next_cursor
            flipped = good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1]
            errors = []
            for bad in ("garbage", "", base64.urlsafe_b64encode(b"paged-offset:4").decode(), flipped, "x" * 70000):
                try:
                    await c.list_tools(cursor=bad)
                    errors.append(None)
                except Exception as e:  # noqa: BLE001
                    errors.append(error_of(e))
            second = await c.list_tools(cursor=good)
            return first, errors, second
    first, errors, second = run(go())
    assert [t.name for t in first.tools] == [f"paged_{t}" for t in PAGED[:4]]
    for e in errors:
        assert e is not None and e.code == -32602, e
    assert [t.name for t in second.tools] == [f"paged_{t}" for t in PAGED[4:8]]


@pytest.mark.parametrize("mode", MODES)
def test_per_server_endpoint_passes_cursors_through(mcp_servers, sidecar, tmp_path, mode):  # noqa: F811
    """/mcp/NAME pages with the server's own cursors, untouched both ways, and the server's own
    -32602 for a cursor it does not know reaches the client."""
    paged = paged_server(mcp_servers)
    sc = tollgate(sidecar, [paged], tmp_path, "default_policy:\n  tools: {deny: [tool03]}\n")

    async def go():
        async with client(sc.url + "/mcp/paged", mode) as c:
            pages, cursors, cursor = [], [], None
            while True:
                r = await c.list_tools(cursor=cursor)
                pages.append([t.name for t in r.tools])
                cursor = r.next_cursor
                if not cursor:
                    break
                cursors.append(cursor)
            try:
                await c.list_tools(cursor="not-a-cursor")
                err = None
            except Exception as e:  # noqa: BLE001
                err = error_of(e)
            return pages, cursors, err
    pages, cursors, err = run(go())
    assert [n for p in pages for n in p] == [t for t in PAGED if t != "tool03"]
    assert len(pages) == 7
    # What the client got is what the server issued, and what the server got back is the same.
    assert cursors == [base64.urlsafe_b64encode(f"paged-offset:{4 * i}".encode()).decode() for i in range(1, 7)]
    got = [r["list"] for r in paged.records() if "list" in r]
    assert got == [None, *cursors, "not-a-cursor"]
    assert err.code == -32602 and "unknown cursor" in err.message


def test_cursor_valid_on_a_replica_with_the_same_servers(mcp_servers, sidecar, tmp_path):  # noqa: F811
    """2026-07-28 has no sessions, so pages may be served by different sidecars: a cursor from
    one continues on another with the same servers, and is -32602 on one with other servers."""
    paged, alpha = paged_server(mcp_servers), mcp_servers("alpha")
    one = tollgate(sidecar, [paged, alpha], tmp_path)
    two = tollgate(sidecar, [paged, alpha], tmp_path)
    other = tollgate(sidecar, [paged], tmp_path)

    async def go():
        async with client(one.url + "/mcp", "auto") as c1, client(two.url + "/mcp", "auto") as c2, \
                client(other.url + "/mcp", "auto") as c3:
            first = await c1.list_tools()
            second = await c2.list_tools(cursor=first.next_cursor)
            try:
                await c3.list_tools(cursor=first.next_cursor)
                refused = None
            except Exception as e:  # noqa: BLE001
                refused = error_of(e)
            return first, second, refused
    first, second, refused = run(go())
    assert [t.name for t in second.tools] == [f"paged_{t}" for t in PAGED[4:8]]
    assert len(first.tools) == 4 + len(PLAIN)
    assert refused.code == -32602
