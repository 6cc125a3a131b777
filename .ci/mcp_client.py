"""The official Python MCP client (mcp 2.3) against examples/mcp_server: stdio and streamable
HTTP, at 2025-11-25 (initialize, elicitation) and at 2026-07-28 (server/discover, confirmation by
multi round-trip, driven automatically and by hand).

Run by .ci/run: `python .ci/mcp_client.py target/debug/examples/mcp_server`.
"""

import asyncio
import json
import socket
import subprocess
import sys
import time

import httpx2
from mcp import Client, ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

PASSED, FAILED = 0, []


def check(name, cond, detail=""):
    global PASSED
    if cond:
        PASSED += 1
        print(f"ok   {name}")
    else:
        FAILED.append(name)
        print(f"FAIL {name} {detail}")


def field(obj, *names):
    for n in names:
        if hasattr(obj, n):
            return getattr(obj, n)
    return None


def error_of(result):
    return json.loads(result.content[0].text)


async def unknown_tool_code(call):
    try:
        await call
    except MCPError as e:
        return e.code, e.message
    return None, None


async def legacy_stdio(binary):
    params = StdioServerParameters(command=binary, args=["--grant", "kb:read,kb:write,orders:read"])
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            listed = await session.list_tools()
            tools = {t.name: t for t in listed.tools}
            check("lists the tools this principal may use",
                  set(tools) == {"search_knowledge_base", "delete_document", "get_order_status"}, sorted(tools))
            search = tools.get("search_knowledge_base")
            ann = search.annotations if search else None
            check("read-only tool is annotated read-only",
                  ann is not None and field(ann, "readOnlyHint", "read_only_hint") is True
                  and field(ann, "destructiveHint", "destructive_hint") is False)
            delete = tools.get("delete_document")
            dann = delete.annotations if delete else None
            check("destructive tool is annotated destructive",
                  dann is not None and field(dann, "destructiveHint", "destructive_hint") is True)
            schema = field(search, "inputSchema", "input_schema") if search else None
            check("input schema is an object with the query", bool(schema) and schema.get("type") == "object"
                  and "query" in schema.get("properties", {}))
            check("tools have a title", search is not None and bool(search.title), search)
            out = field(search, "outputSchema", "output_schema") if search else None
            check("a list output gets an object outputSchema wrapping it",
                  bool(out) and out.get("type") == "object" and "result" in out.get("properties", {}), out)

            r = await session.call_tool("search_knowledge_base", {"query": "refund"})
            text = r.content[0].text
            check("read-only call succeeds", field(r, "isError", "is_error") is False and "Refund policy" in text, text)
            structured = field(r, "structuredContent", "structured_content") or {}
            check("a list output comes wrapped as structured content", isinstance(structured.get("result"), list),
                  structured)

            r = await session.call_tool("get_order_status", {"order_id": "A-1001"})
            check("typed output comes as structured content",
                  (field(r, "structuredContent", "structured_content") or {}).get("status") == "shipped")

            r = await session.call_tool("search_knowledge_base", {"query": "", "limit": 99})
            err = error_of(r)
            check("bad arguments give isError with every problem",
                  field(r, "isError", "is_error") is True and err.get("kind") == "invalid_arguments"
                  and len(err.get("errors", [])) == 2, err)

            r = await session.call_tool("delete_document", {"id": "kb-102"})
            err = error_of(r)
            check("2025-11-25: destructive call is denied without elicitation",
                  field(r, "isError", "is_error") is True and err.get("kind") == "denied", err)

            hidden = await unknown_tool_code(session.call_tool("issue_refund", {"order_id": "A-1001", "amount_cents": 5}))
            unknown = await unknown_tool_code(session.call_tool("no_such_tool", {}))
            check("a hidden tool is the same -32602 as an unknown one",
                  hidden[0] == -32602 and unknown[0] == -32602
                  and hidden[1].replace("issue_refund", "X") == unknown[1].replace("no_such_tool", "X"),
                  (hidden, unknown))


def approver(answer):
    seen = []

    async def callback(context, params):
        seen.append(params.message)
        return types.ElicitResult(action="accept", content={"approve": answer})

    return callback, seen


async def modern(label, connect, elicit=True):
    """2026-07-28 through `Client(mode="auto")`: discover, list, call, MRTR confirmation."""
    callback, seen = approver(True)
    async with connect(callback if elicit else None) as client:
        check(f"{label}: negotiates 2026-07-28", client.protocol_version == "2026-07-28", client.protocol_version)
        check(f"{label}: server instructions", bool(client.instructions), client.instructions)
        listed = await client.list_tools()
        names = {t.name for t in listed.tools}
        check(f"{label}: lists tools", "search_knowledge_base" in names and "delete_document" in names, names)
        r = await client.call_tool("search_knowledge_base", {"query": "refund"})
        check(f"{label}: read-only call succeeds", r.is_error is False and "Refund policy" in r.content[0].text)

        if not elicit:
            r = await client.call_tool("delete_document", {"id": "kb-102"})
            check(f"{label}: no elicitation, no run", r.is_error is True and error_of(r).get("kind") == "denied",
                  r.content[0].text)
            return

        r = await client.call_tool("delete_document", {"id": "kb-102"})
        check(f"{label}: MRTR confirmation asks the human, then runs",
              r.is_error is False and "kb-102" in r.content[0].text and len(seen) == 1, (r, seen))

        session = client.session
        first = await session.call_tool("delete_document", {"id": "kb-7"}, allow_input_required=True)
        check(f"{label}: a destructive call answers input_required",
              isinstance(first, types.InputRequiredResult) and "confirm" in (first.input_requests or {}), first)
        state = first.request_state
        no = {"confirm": types.ElicitResult(action="decline")}
        r = await session.call_tool("delete_document", {"id": "kb-7"}, input_responses=no, request_state=state,
                                    allow_input_required=True)
        check(f"{label}: a decline runs nothing", r.is_error is True and error_of(r).get("kind") == "denied", r)
        r = await session.call_tool("delete_document", {"id": "kb-7"}, allow_input_required=True)
        state = r.request_state
        yes = {"confirm": types.ElicitResult(action="accept", content={"approve": True})}
        r = await session.call_tool("delete_document", {"id": "kb-8"}, input_responses=yes, request_state=state,
                                    allow_input_required=True)
        check(f"{label}: a yes for other arguments runs nothing", r.is_error is True, r)
        r = await session.call_tool("delete_document", {"id": "kb-7"}, allow_input_required=True)
        state = r.request_state
        r = await session.call_tool("delete_document", {"id": "kb-7"}, input_responses=yes, request_state=state,
                                    allow_input_required=True)
        check(f"{label}: the yes runs it", r.is_error is False, r)
        r = await session.call_tool("delete_document", {"id": "kb-7"}, input_responses=yes, request_state=state,
                                    allow_input_required=True)
        check(f"{label}: a replayed yes runs nothing",
              r.is_error is True and "already used" in error_of(r).get("error", ""), r)

        code, _ = await unknown_tool_code(client.call_tool("issue_refund", {"order_id": "A-1001", "amount_cents": 5}))
        if label.startswith("stdio"):
            check(f"{label}: a hidden tool is -32602", code == -32602, code)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def main(binary):
    await legacy_stdio(binary)

    grants = ["--grant", "kb:read,kb:write,orders:read"]
    await modern("stdio 2026", lambda cb: Client(StdioServerParameters(command=binary, args=grants),
                                                 elicitation_callback=cb))
    await modern("stdio 2026 without elicitation",
                 lambda cb: Client(StdioServerParameters(command=binary, args=grants)), elicit=False)

    port = free_port()
    server = subprocess.Popen([binary, "--http", f"127.0.0.1:{port}"], stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.1)

        def over_http(cb, token="demo-admin"):
            http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"})
            return Client(streamable_http_client(url, http_client=http), elicitation_callback=cb)

        await modern("http 2026", over_http)
        legacy_cb, legacy_seen = approver(True)
        http = httpx2.AsyncClient(headers={"Authorization": "Bearer demo-admin"})
        async with Client(streamable_http_client(url, http_client=http), mode="legacy",
                          elicitation_callback=legacy_cb) as client:
            check("http 2025: negotiates 2025-11-25", client.protocol_version == "2025-11-25", client.protocol_version)
            r = await client.call_tool("delete_document", {"id": "kb-102"})
            check("http 2025: elicitation asks the human, then runs", r.is_error is False and len(legacy_seen) == 1,
                  r)
        http = httpx2.AsyncClient(headers={"Authorization": "Bearer nobody"})
        try:
            async with Client(streamable_http_client(url, http_client=http)) as client:
                await client.list_tools()
            check("http: an unknown token is refused", False)
        except BaseException:  # noqa: BLE001 - any failure to connect is the expected refusal
            check("http: an unknown token is refused", True)
    finally:
        server.terminate()
        server.wait()

    print(f"python mcp client: {PASSED} passed, {len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
