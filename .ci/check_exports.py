"""Validate toolwright's provider exports with the providers' own published SDK types.

Run by .ci/run: `python .ci/check_exports.py target/debug/examples/schemas`. Each export of the
quickstart tools must validate against the official Python SDK's type for that API, plus the
documented rules the types cannot express (OpenAI strict mode, Gemini's schema subset).
"""

import json
import subprocess
import sys

from pydantic import TypeAdapter

FAILURES = []
PASSED = 0


def check(name, fn):
    global PASSED
    try:
        fn()
        PASSED += 1
        print(f"ok   {name}")
    except Exception as e:  # noqa: BLE001 - report every failure, keep going
        FAILURES.append(name)
        print(f"FAIL {name}: {type(e).__name__}: {e}")


def export(binary, provider):
    out = subprocess.run([binary, provider], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def schema_nodes(node):
    """Every schema node: properties' values, items, anyOf branches, $defs."""
    if not isinstance(node, dict):
        return
    yield node
    for key in ("properties", "$defs"):
        for child in (node.get(key) or {}).values():
            yield from schema_nodes(child)
    if "items" in node:
        yield from schema_nodes(node["items"])
    for branch in node.get("anyOf") or []:
        yield from schema_nodes(branch)


def assert_keys(obj, allowed):
    extra = set(obj) - allowed
    assert not extra, f"undocumented keys: {extra}"


STRICT_KEYS = {
    "type", "description", "title", "enum", "$ref", "$defs", "pattern", "format", "minimum",
    "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems",
    "properties", "required", "additionalProperties", "items", "anyOf",
}


def openai_strict_rules(parameters):
    assert parameters.get("type") == "object", "root must be an object"
    for node in schema_nodes(parameters):
        extra = set(node) - STRICT_KEYS
        assert not extra, f"keywords strict mode does not support: {extra}"
        if "properties" in node:
            assert node.get("additionalProperties") is False, "objects must be closed"
            assert sorted(node.get("required", [])) == sorted(node["properties"]), "all properties required"


def main():
    binary = sys.argv[1]

    import openai.types.chat as chat
    import openai.types.responses as responses

    tools = export(binary, "openai")
    adapter = TypeAdapter(chat.ChatCompletionToolParam)
    for t in tools:
        name = t["function"]["name"]
        check(f"openai {name}: no undocumented keys", lambda t=t: (
            assert_keys(t, {"type", "function"}),
            assert_keys(t["function"], {"name", "description", "parameters", "strict"})))
        check(f"openai {name}: ChatCompletionToolParam", lambda t=t: adapter.validate_python(t, strict=True))
        if t["function"]["strict"]:
            check(f"openai {name}: strict-mode rules", lambda t=t: openai_strict_rules(t["function"]["parameters"]))

    tools = export(binary, "openai-responses")
    adapter = TypeAdapter(responses.FunctionToolParam)
    for t in tools:
        check(f"openai-responses {t['name']}: no undocumented keys",
              lambda t=t: assert_keys(t, {"type", "name", "description", "parameters", "strict"}))
        check(f"openai-responses {t['name']}: FunctionToolParam", lambda t=t: adapter.validate_python(t, strict=True))
        if t["strict"]:
            check(f"openai-responses {t['name']}: strict-mode rules", lambda t=t: openai_strict_rules(t["parameters"]))

    import anthropic.types as at

    tools = export(binary, "anthropic")
    adapter = TypeAdapter(at.ToolParam)
    for t in tools:
        check(f"anthropic {t['name']}: no undocumented keys",
              lambda t=t: assert_keys(t, {"name", "description", "input_schema"}))
        check(f"anthropic {t['name']}: ToolParam", lambda t=t: adapter.validate_python(t, strict=True))

    from google.genai import types as gt

    tools = export(binary, "gemini")

    def gemini_rules():
        assert len(tools) == 1, "one Tool block"
        tool = gt.Tool.model_validate(tools[0])
        assert len(tool.function_declarations) == len(tools[0]["functionDeclarations"])
        for decl in tools[0]["functionDeclarations"]:
            for node in schema_nodes(decl.get("parameters", {})):
                bad = {"$ref", "$defs", "additionalProperties", "$schema", "const", "oneOf"} & set(node)
                assert not bad, f"{decl['name']}: {bad}"
                assert not isinstance(node.get("type"), list), "type must be one value"
                if "enum" in node:
                    assert all(isinstance(v, str) for v in node["enum"]), "enums are strings"

    check("gemini: Tool.model_validate and schema subset", gemini_rules)

    import mcp.types as mt

    result = export(binary, "mcp")

    def mcp_rules():
        parsed = mt.ListToolsResult.model_validate(result)
        dumped = parsed.model_dump(by_alias=True, exclude_none=True)
        assert len(dumped["tools"]) == len(result["tools"])
        for tool in dumped["tools"]:
            assert tool["inputSchema"].get("type") == "object"
            for hint in ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"):
                assert isinstance(tool["annotations"].get(hint), bool), hint
            if "outputSchema" in tool:
                assert tool["outputSchema"].get("type") == "object"

    check("mcp: ListToolsResult.model_validate", mcp_rules)

    print(f"provider exports: {PASSED} passed, {len(FAILURES)} failed")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
