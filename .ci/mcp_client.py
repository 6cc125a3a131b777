"""The official Python MCP client against examples/mcp_server over stdio.

Run by .ci/run: `python .ci/mcp_client.py target/debug/examples/mcp_server`.
"""

import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

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


async def main(binary):
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

            r = await session.call_tool("search_knowledge_base", {"query": "refund"})
            text = r.content[0].text
            check("read-only call succeeds", field(r, "isError", "is_error") is False and "Refund policy" in text, text)

            r = await session.call_tool("get_order_status", {"order_id": "A-1001"})
            check("typed output comes as structured content",
                  (field(r, "structuredContent", "structured_content") or {}).get("status") == "shipped")

            r = await session.call_tool("search_knowledge_base", {"query": "", "limit": 99})
            err = json.loads(r.content[0].text)
            check("bad arguments give isError with every problem",
                  field(r, "isError", "is_error") is True and err.get("kind") == "invalid_arguments"
                  and len(err.get("errors", [])) == 2, err)

            r = await session.call_tool("delete_document", {"id": "kb-102"})
            err = json.loads(r.content[0].text)
            check("destructive call is denied without elicitation",
                  field(r, "isError", "is_error") is True and err.get("kind") == "denied", err)

            r = await session.call_tool("issue_refund", {"order_id": "A-1001", "amount_cents": 5})
            err = json.loads(r.content[0].text)
            check("a hidden tool is answered like an unknown one",
                  field(r, "isError", "is_error") is True and err.get("kind") == "unknown_tool", err)

    print(f"python mcp client: {PASSED} passed, {len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
