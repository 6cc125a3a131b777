"""Validate toolwright's provider exports with the providers' own published SDK types.

Run by .ci/run: `python .ci/check_exports.py target/debug/examples/schemas`. Each export of the
quickstart tools, and of a registry of nested, optional, enum and integer types (`--types`),
must validate against the official Python SDK's type for that API, plus the documented rules
the types cannot express (OpenAI strict mode, Gemini's schema subset, Anthropic's and MCP's
plain JSON Schema: only the formats JSON Schema defines, optional properties not nullable).
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


REGISTRY = []  # [] for the quickstart's tools, ["--types"] for the types registry


def export(binary, provider):
    out = subprocess.run([binary, provider, *REGISTRY], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


# JSON Schema 2020-12, Validation section 7.3: the only formats standard validators know.
STANDARD_FORMATS = {
    "date-time", "date", "time", "duration", "email", "idn-email", "hostname", "idn-hostname",
    "ipv4", "ipv6", "uri", "uri-reference", "iri", "iri-reference", "uuid", "uri-template",
    "json-pointer", "relative-json-pointer", "regex",
}


def standard_formats_only(schema):
    for node in schema_nodes(schema):
        fmt = node.get("format")
        assert fmt is None or fmt in STANDARD_FORMATS, f"non-standard format {fmt!r}"


def is_nullable(node):
    t = node.get("type")
    return (isinstance(t, list) and "null" in t) or any(
        isinstance(b, dict) and b.get("type") == "null" for b in node.get("anyOf") or [])


def optional_not_nullable(schema):
    """Optional = not required: a property left out of `required` does not also accept null."""
    for node in schema_nodes(schema):
        required = set(node.get("required") or [])
        for name, prop in (node.get("properties") or {}).items():
            if name not in required and isinstance(prop, dict):
                assert not is_nullable(prop), f"optional `{name}` is nullable"


def jsonschema_accepts(schema):
    """The schema is itself valid JSON Schema 2020-12 (the meta-schema says so)."""
    import jsonschema
    jsonschema.Draft202012Validator.check_schema(schema)


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


# anthropic-sdk-python lib/_parse/_transform.py: what strict tool use keeps.
ANTHROPIC_STRICT_KEYS = {
    "type", "anyOf", "allOf", "enum", "const", "description", "title", "$ref", "$defs",
    "properties", "required", "additionalProperties", "format", "items", "minItems",
}
ANTHROPIC_STRICT_FORMATS = {
    "date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid",
}


def anthropic_strict_rules(schema):
    assert schema.get("type") == "object", "root must be an object"
    for node in schema_nodes(schema):
        extra = set(node) - ANTHROPIC_STRICT_KEYS
        assert not extra, f"keywords strict tool use does not keep: {extra}"
        assert not isinstance(node.get("type"), list), "one type per schema"
        if node.get("type") == "object":
            assert node.get("additionalProperties") is False, "objects must be closed"
        if "format" in node:
            assert node["format"] in ANTHROPIC_STRICT_FORMATS, node["format"]
        if "minItems" in node:
            assert node["minItems"] in (0, 1), "minItems is 0 or 1"


def main():
    binary = sys.argv[1]
    for registry in ([], ["--types"]):
        REGISTRY[:] = registry
        print(f"-- registry: {'types' if registry else 'quickstart'}")
        check_registry(binary)
    check_requests(binary)
    print(f"provider exports: {PASSED} passed, {len(FAILURES)} failed")
    sys.exit(1 if FAILURES else 0)


def check_requests(binary):
    """The clients' request bodies (second turn: calls replayed, results, tool choice) against
    the SDKs' request types."""
    bodies = json.loads(subprocess.run([binary, "requests"], check=True, capture_output=True, text=True).stdout)
    from openai.types.chat import completion_create_params as ccp
    from anthropic.types import message_create_params as mcp_
    from google.genai import types as gt

    check("request openai: CompletionCreateParamsNonStreaming",
          lambda: TypeAdapter(ccp.CompletionCreateParamsNonStreaming).validate_python(bodies["openai"], strict=True))
    check("request anthropic: MessageCreateParamsNonStreaming",
          lambda: TypeAdapter(mcp_.MessageCreateParamsNonStreaming).validate_python(bodies["anthropic"], strict=True))

    def gemini_request():
        body = bodies["gemini"]
        assert_keys(body, {"contents", "systemInstruction", "tools", "toolConfig", "generationConfig"})
        contents = [gt.Content.model_validate(c) for c in body["contents"]]
        gt.Content.model_validate(body["systemInstruction"])
        [gt.Tool.model_validate(t) for t in body["tools"]]
        gt.ToolConfig.model_validate(body["toolConfig"])
        model_turn = contents[1]
        assert model_turn.role == "model"
        assert model_turn.parts[1].thought_signature, "the thought signature is sent back"

    check("request gemini: Content, Tool, ToolConfig", gemini_request)

    from openai.types.responses import response_create_params as rcp

    responses = TypeAdapter(rcp.ResponseCreateParamsNonStreaming)
    check("request openai-responses: ResponseCreateParamsNonStreaming",
          lambda: responses.validate_python(bodies["openai-responses"], strict=True))
    check("request openai-responses-search: ResponseCreateParamsNonStreaming",
          lambda: responses.validate_python(bodies["openai-responses-search"], strict=True))
    check("request anthropic-search: MessageCreateParamsNonStreaming",
          lambda: TypeAdapter(mcp_.MessageCreateParamsNonStreaming).validate_python(bodies["anthropic-search"], strict=True))

    def replayed_in_place():
        """The turn's thinking/reasoning and search blocks go back where they stood, and the
        offered tool is the only one not deferred."""
        items = bodies["openai-responses-search"]["input"]
        assert [i.get("type", i.get("role")) for i in items] == [
            "user", "reasoning", "tool_search_call", "tool_search_output", "function_call", "message",
            "function_call_output"], items
        blocks = bodies["anthropic-search"]["messages"][1]["content"]
        assert [b["type"] for b in blocks] == [
            "thinking", "text", "server_tool_use", "tool_search_tool_result", "tool_use"], blocks
        for body in (bodies["openai-responses-search"], bodies["anthropic-search"]):
            lazy = [t.get("name") for t in body["tools"] if t.get("defer_loading")]
            assert len(lazy) == len(body["tools"]) - 2, "all but the offered tool and the search"

    check("requests with provider search: turn content in place, tools deferred", replayed_in_place)

    import anthropic.types as at

    # MessageParam's content is not checked block by block; each replayed block is, here.
    block_types = {"thinking": at.ThinkingBlockParam, "redacted_thinking": at.RedactedThinkingBlockParam,
                   "text": at.TextBlockParam, "server_tool_use": at.ServerToolUseBlockParam,
                   "tool_search_tool_result": at.ToolSearchToolResultBlockParam,
                   "tool_use": at.ToolUseBlockParam}
    for block in bodies["anthropic-search"]["messages"][1]["content"]:
        check(f"request anthropic-search: replayed {block['type']} block",
              lambda block=block: TypeAdapter(block_types[block["type"]]).validate_python(block, strict=True))


def check_registry(binary):
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
        check(f"openai {name}: standard formats", lambda t=t: standard_formats_only(t["function"]["parameters"]))
        if t["function"]["strict"]:
            check(f"openai {name}: strict-mode rules", lambda t=t: openai_strict_rules(t["function"]["parameters"]))

    tools = export(binary, "openai-responses")
    adapter = TypeAdapter(responses.FunctionToolParam)
    for t in tools:
        check(f"openai-responses {t['name']}: no undocumented keys",
              lambda t=t: assert_keys(t, {"type", "name", "description", "parameters", "strict"}))
        check(f"openai-responses {t['name']}: FunctionToolParam", lambda t=t: adapter.validate_python(t, strict=True))
        check(f"openai-responses {t['name']}: standard formats", lambda t=t: standard_formats_only(t["parameters"]))
        if t["strict"]:
            check(f"openai-responses {t['name']}: strict-mode rules", lambda t=t: openai_strict_rules(t["parameters"]))

    import anthropic.types as at

    tools = export(binary, "anthropic")
    adapter = TypeAdapter(at.ToolParam)
    for t in tools:
        check(f"anthropic {t['name']}: no undocumented keys",
              lambda t=t: assert_keys(t, {"name", "description", "input_schema", "input_examples"}))
        check(f"anthropic {t['name']}: ToolParam", lambda t=t: adapter.validate_python(t, strict=True))
        check(f"anthropic {t['name']}: plain JSON Schema", lambda t=t: (
            jsonschema_accepts(t["input_schema"]),
            standard_formats_only(t["input_schema"]),
            optional_not_nullable(t["input_schema"])))

    tools = export(binary, "anthropic-strict")
    for t in tools:
        check(f"anthropic-strict {t['name']}: ToolParam", lambda t=t: adapter.validate_python(t, strict=True))
        if t.get("strict"):
            check(f"anthropic-strict {t['name']}: strict-mode rules", lambda t=t: anthropic_strict_rules(t["input_schema"]))
        for i, example in enumerate(t.get("input_examples") or []):
            check(f"anthropic-strict {t['name']}: input_examples[{i}] matches input_schema",
                  lambda t=t, example=example: __import__("jsonschema").validate(example, t["input_schema"]))

    # Registries too big to send whole: deferred tools plus the providers' own tool search.
    deferred = export(binary, "anthropic-deferred")
    union = TypeAdapter(at.ToolUnionParam)
    for t in deferred:
        check(f"anthropic-deferred {t['name']}: ToolUnionParam", lambda t=t: union.validate_python(t, strict=True))

    def anthropic_deferred_rules(tools):
        assert tools[-1]["name"] == "tool_search_tool_bm25", "the search tool comes last"
        lazy = [t["name"] for t in tools[:-1] if t.get("defer_loading") is not True]
        assert not lazy, f"not deferred: {lazy}"

    check("anthropic-deferred: every tool deferred, one BM25 search tool",
          lambda: anthropic_deferred_rules(deferred))
    deferred = export(binary, "openai-responses-deferred")
    union = TypeAdapter(responses.ToolParam)
    for t in deferred:
        check(f"openai-responses-deferred {t.get('name', t['type'])}: ToolParam",
              lambda t=t: union.validate_python(t, strict=True))

    from google.genai import types as gt

    tools = export(binary, "gemini")

    def gemini_rules():
        assert len(tools) == 1, "one Tool block"
        tool = gt.Tool.model_validate(tools[0])
        assert len(tool.function_declarations) == len(tools[0]["functionDeclarations"])
        for decl in tools[0]["functionDeclarations"]:
            standard_formats_only(decl.get("parameters", {}))
            standard_formats_only(decl.get("parametersJsonSchema", {}))
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
            jsonschema_accepts(tool["inputSchema"])
            standard_formats_only(tool["inputSchema"])
            optional_not_nullable(tool["inputSchema"])
            if "outputSchema" in tool:
                standard_formats_only(tool["outputSchema"])
            for hint in ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"):
                assert isinstance(tool["annotations"].get(hint), bool), hint
            if "outputSchema" in tool:
                assert tool["outputSchema"].get("type") == "object"

    check("mcp: ListToolsResult.model_validate", mcp_rules)


if __name__ == "__main__":
    main()
