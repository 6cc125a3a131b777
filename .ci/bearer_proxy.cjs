// A loopback HTTP proxy that adds `Authorization: Bearer TOKEN` to every request, for clients that
// cannot send headers (the MCP conformance suite). Streams bodies both ways (SSE included) and
// forwards every other header untouched, Host and Origin too, so DNS-rebinding checks still see
// what the client sent.
//
// node .ci/bearer_proxy.cjs LISTEN_PORT http://127.0.0.1:TARGET_PORT TOKEN
'use strict';

const http = require('node:http');

const [listenPort, target, token] = process.argv.slice(2);
const upstream = new URL(target);

http
  .createServer((req, res) => {
    const headers = { ...req.headers, authorization: `Bearer ${token}` };
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode || 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    res.on('close', () => forward.destroy());
    req.pipe(forward);
  })
  .listen(Number(listenPort), '127.0.0.1');
