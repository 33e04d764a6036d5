"""A local OpenAI-compatible server that answers every question with one scripted reply.

The reply cites the first poster the prompt gives (so the citation guard keeps it), then adds
`tail`: e.g. a Markdown image an injected prompt could ask for. `delay` makes each answer slow,
so tests can hold the app's queue busy. A fake at the edge: the real `openai` client and the
real app talk to it over loopback HTTP.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.fault_server import chunk


class ScriptedLLM(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, tail: str = "", delay: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tail, self.delay = tail, delay
        self.requests = 0
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def handle_error(self, request, client_address) -> None:
        """A client that gave up leaves a broken pipe: expected here."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


def scripted_reply(request_body: dict, tail: str) -> str:
    """The first board the question's message offers (the system prompt's examples are not
    offered), cited, then the tail. A request to condense a follow-up gets the follow-up back
    as it was asked."""
    messages = request_body.get("messages") or [{}]
    follow_up = re.search(r"Follow-up question: (.*)\nRewritten question:",
                          str(messages[-1].get("content", "")))
    if follow_up:
        return follow_up.group(1)
    boards = re.findall(r"\[#(\d+)\]", str(messages[-1].get("content", "")))
    cite = f" [#{boards[0]}]" if boards else ""
    return f"This poster is the closest{cite}. {tail}".strip()


class _Handler(BaseHTTPRequestHandler):
    server: ScriptedLLM

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.requests += 1
        time.sleep(self.server.delay)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        reply = scripted_reply(body, self.server.tail)
        for start in range(0, len(reply), 16):  # streamed in pieces, as a model does
            self.wfile.write(chunk(reply[start:start + 16]))
            self.wfile.flush()
        self.wfile.write(chunk("", finish="stop"))
        self.wfile.write(b"data: [DONE]\n\n")
