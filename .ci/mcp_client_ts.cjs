// The official TypeScript MCP client (@modelcontextprotocol/client 2.x, npm, cached in
// .cache/npm) against examples/mcp_server: stdio and streamable HTTP, at 2025-11-25 (initialize,
// elicitation) and 2026-07-28 (server/discover, confirmation by multi round-trip).
//
// Run by .ci/run: `NODE_PATH=.cache/npm/node_modules node .ci/mcp_client_ts.cjs BINARY`.
'use strict';

const net = require('node:net');
const { spawn } = require('node:child_process');
const { Client, StreamableHTTPClientTransport } = require('@modelcontextprotocol/client');
const { StdioClientTransport } = require('@modelcontextprotocol/client/stdio');

let passed = 0;
const failed = [];

function check(name, cond, detail) {
  if (cond) {
    passed += 1;
    console.log(`ok   ${name}`);
  } else {
    failed.push(name);
    console.log(`FAIL ${name} ${detail === undefined ? '' : JSON.stringify(detail)}`);
  }
}

function errorOf(result) {
  try {
    return JSON.parse(result.content[0].text);
  } catch {
    return {};
  }
}

async function session(label, transport, mode, elicit) {
  const capabilities = elicit ? { elicitation: {} } : {};
  const client = new Client(
    { name: 'toolwright-ci', version: '1.0.0' },
    { capabilities, versionNegotiation: { mode } },
  );
  const prompts = [];
  if (elicit) {
    client.setRequestHandler('elicitation/create', async (request) => {
      prompts.push(request.params.message);
      return { action: 'accept', content: { approve: true } };
    });
  }
  await client.connect(transport);
  const expected = mode === 'legacy' ? '2025-11-25' : '2026-07-28';
  const version = client.getNegotiatedProtocolVersion
    ? client.getNegotiatedProtocolVersion()
    : transport.protocolVersion;
  check(`${label}: negotiates ${expected}`, version === expected, version);

  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  check(`${label}: lists tools`, names.includes('search_knowledge_base') && names.includes('delete_document'), names);
  const search = tools.find((t) => t.name === 'search_knowledge_base');
  check(`${label}: tools have a title`, Boolean(search && search.title), search);

  const r = await client.callTool({ name: 'search_knowledge_base', arguments: { query: 'refund' } });
  check(`${label}: read-only call succeeds`, r.isError === false && r.content[0].text.includes('Refund policy'), r);

  const d = await client.callTool({ name: 'delete_document', arguments: { id: 'kb-102' } });
  if (elicit) {
    check(`${label}: confirmation asks the human, then runs`, d.isError === false && prompts.length === 1, { d, prompts });
  } else {
    check(`${label}: no elicitation, no run`, d.isError === true && errorOf(d).kind === 'denied', d);
  }

  let code;
  try {
    await client.callTool({ name: 'issue_refund', arguments: { order_id: 'A-1001', amount_cents: 5 } });
  } catch (e) {
    code = e.code;
  }
  if (label.startsWith('stdio')) {
    check(`${label}: a hidden tool is -32602`, code === -32602, code);
  }
  await client.close();
}

// Cancels a destructive call while its approval prompt is open (2025-11-25): the call is
// abandoned, the late "yes" runs nothing the client can see, and the server keeps serving.
async function cancelWhilePrompting(label, transport) {
  const client = new Client(
    { name: 'toolwright-ci', version: '1.0.0' },
    { capabilities: { elicitation: {} }, versionNegotiation: { mode: 'legacy' } },
  );
  const controller = new AbortController();
  let answered = 0;
  client.setRequestHandler('elicitation/create', async () => {
    controller.abort();
    await new Promise((r) => setTimeout(r, 200));
    answered += 1;
    return { action: 'accept', content: { approve: true } };
  });
  await client.connect(transport);
  let outcome;
  try {
    await client.callTool({ name: 'delete_document', arguments: { id: 'kb-102' } }, { signal: controller.signal });
    outcome = 'completed';
  } catch (e) {
    outcome = 'aborted';
  }
  check(`${label}: a call cancelled during its prompt is abandoned`, outcome === 'aborted', outcome);
  await new Promise((r) => setTimeout(r, 300));
  const r = await client.callTool({ name: 'search_knowledge_base', arguments: { query: 'vpn' } });
  check(`${label}: the server keeps serving after a cancel`, r.isError === false && answered === 1, r);
  await client.close();
}

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port) {
  for (let i = 0; i < 100; i += 1) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(binary) {
  const grants = ['--grant', 'kb:read,kb:write,orders:read'];
  for (const mode of ['legacy', { pin: '2026-07-28' }]) {
    const tag = mode === 'legacy' ? '2025' : '2026';
    for (const elicit of [true, false]) {
      const label = `stdio ${tag}${elicit ? '' : ' without elicitation'}`;
      await session(label, new StdioClientTransport({ command: binary, args: grants, stderr: 'ignore' }), mode, elicit);
    }
  }

  await cancelWhilePrompting('stdio 2025 cancel', new StdioClientTransport({ command: binary, args: grants, stderr: 'ignore' }));

  const port = await freePort();
  const server = spawn(binary, ['--http', `127.0.0.1:${port}`], { stdio: 'ignore' });
  try {
    await waitForPort(port);
    const url = new URL(`http://127.0.0.1:${port}/mcp`);
    const headers = { Authorization: 'Bearer demo-admin' };
    for (const mode of ['legacy', { pin: '2026-07-28' }]) {
      const tag = mode === 'legacy' ? '2025' : '2026';
      const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
      await session(`http ${tag}`, transport, mode, true);
    }
  } finally {
    server.kill();
  }
  console.log(`typescript mcp client: ${passed} passed, ${failed.length} failed`);
  process.exit(failed.length ? 1 : 0);
}

main(process.argv[2]).catch((e) => {
  console.error(e);
  process.exit(1);
});
