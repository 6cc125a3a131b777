"""Runs examples/otel.rs against an in-process OTLP/HTTP receiver on loopback and checks what
it exported: the execute_tool spans (with error.type and redacted opt-in arguments) on
/v1/traces and the gen_ai.execute_tool.duration histogram on /v1/metrics.

Usage: python3 .ci/otlp_receiver.py target/debug/examples/otel

The protobuf bodies are walked generically (wire format only): every length-delimited field,
at any depth, is collected, so a check is an exact field value, not a substring of the bytes.
"""

import http.server
import os
import subprocess
import sys
import threading

received = {}


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        assert self.headers.get("Content-Type") == "application/x-protobuf", self.headers
        received.setdefault(self.path, []).append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def varint(buf, i):
    shift = value = 0
    while True:
        if i >= len(buf) or shift > 63:
            raise ValueError("bad varint")
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def fields(buf, out, depth=0):
    """Adds every length-delimited value in `buf` (a message) to `out`; False if not a message."""
    i, found = 0, []
    try:
        while i < len(buf):
            key, i = varint(buf, i)
            wire = key & 7
            if key >> 3 == 0:
                return False
            if wire == 0:
                _, i = varint(buf, i)
            elif wire == 1:
                i += 8
            elif wire == 5:
                i += 4
            elif wire == 2:
                n, i = varint(buf, i)
                if i + n > len(buf):
                    return False
                found.append(buf[i : i + n])
                i += n
            else:
                return False
    except ValueError:
        return False
    if i != len(buf):
        return False
    for value in found:
        out.append(value)
        if depth < 32:
            fields(value, out, depth + 1)
    return True


def values(path):
    out = []
    for body in received.get(path, []):
        assert fields(body, out), f"{path}: not a protobuf message"
    return out


def main():
    example = sys.argv[1]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ, OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{server.server_port}")
    run = subprocess.run([example], env=env, capture_output=True, text=True, timeout=120)
    server.shutdown()
    assert run.returncode == 0, run.stdout + run.stderr

    traces = values("/v1/traces")
    spans = [v for v in traces if v.startswith(b"execute_tool ")]
    assert spans.count(b"execute_tool get_order_status") == 3, spans
    assert spans.count(b"execute_tool send_password_reset") == 1, spans
    for expected in [
        b"gen_ai.operation.name",
        b"gen_ai.tool.type",
        b"gen_ai.tool.description",
        b"gen_ai.tool.call.arguments",
        b"gen_ai.tool.call.result",
        b"error.type",
        b"unavailable",
        b"invalid_arguments",
        b'{"email":"ada@example.com","agent_code":"[REDACTED]"}',
        b"toolwright-otel-example",
    ]:
        assert expected in traces, expected
    assert not any(b"492-771" in v for v in traces), "the secret was exported"

    metrics = values("/v1/metrics")
    for expected in [b"gen_ai.execute_tool.duration", b"s", b"get_order_status", b"unavailable"]:
        assert expected in metrics, expected
    print(
        f"OTLP receiver: {len(received['/v1/traces'])} trace and "
        f"{len(received['/v1/metrics'])} metric export(s), {len(spans)} execute_tool spans, checked"
    )


if __name__ == "__main__":
    main()
