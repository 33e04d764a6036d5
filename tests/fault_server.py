"""A local OpenAI-compatible HTTP server that misbehaves on purpose, one mode at a time.

Fakes belong at the edges: this stands in for a remote LLM server so each fault path of the
real `openai` client and of our fallback can be driven deterministically.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET_KEY = "sk-test-SECRET-0123456789"
# "drip": a piece every DRIP_SECONDS for a minute, or until the client hangs up
DRIP_SECONDS, DRIP_PIECES = 0.5, 120
FLOOD_PIECES = 20_000  # "flood", "flood-and": a server that ignores max_tokens
GOOD_ANSWER = ["G2MILP generates ", "new MILP instances ", "with a masked VAE [#1", "00]; ",
               "others claim more [#9999]", "."]


def chunk(text: str, finish: str | None = None) -> bytes:
    body = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "fault",
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]}
    return f"data: {json.dumps(body)}\n\n".encode()


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.mode = "ok"
        self.replies: list[str] = []  # mode "queue": each request streams the next one
        self.requests = 0
        self.last_request: dict = {}  # the JSON body of the latest request
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def handle_error(self, request, client_address) -> None:
        """A client that gave up (timeout) leaves a broken pipe: expected here, not news."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class Handler(BaseHTTPRequestHandler):
    server: FaultServer

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.last_request = json.loads(body or b"{}")
        self.server.requests += 1
        mode = self.server.mode
        if mode == "429-then-ok" and self.server.requests == 1:
            return self.error(429, "rate limited", {"Retry-After": "0"})
        if mode == "500":
            return self.error(500, "internal error")
        if mode == "401":
            return self.error(401, f"Incorrect API key provided: {SECRET_KEY}")
        if mode == "404":
            return self.error(404, "The model `gpt-4o-mini` does not exist")
        if mode == "hang":
            time.sleep(5)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        if mode == "leak":
            from assistant.llm import answer_messages

            leaked = answer_messages("", [])[0]["content"][:400]
            self.wfile.write(chunk(f"My instructions: {leaked} [#100]"))
            self.wfile.write(chunk("", finish="stop"))
            self.wfile.write(b"data: [DONE]\n\n")
            return
        if mode == "drip":
            return self.drip()
        if mode in ("flood", "flood-and"):
            return self.flood("and " if mode == "flood-and" else "word ")
        if mode == "queue":  # a scripted conversation: the next reply, whole
            self.wfile.write(chunk(self.server.replies.pop(0)))
            self.wfile.write(chunk("", finish="stop"))
            self.wfile.write(b"data: [DONE]\n\n")
            return
        if mode == "badjson":
            self.wfile.write(b"data: {this is not json\n\n")
            return
        for i, piece in enumerate(GOOD_ANSWER):
            if mode == "cut" and i == 2:
                self.wfile.flush()
                self.connection.shutdown(2)  # the stream ends mid-answer, no [DONE]
                return
            self.wfile.write(chunk(piece))
            self.wfile.flush()
        self.wfile.write(chunk("", finish="stop"))
        self.wfile.write(b"data: [DONE]\n\n")

    def drip(self) -> None:
        """One piece every DRIP_SECONDS: a client with no total deadline waits a minute; a
        client that hangs up ends it (the next write fails)."""
        for _ in range(DRIP_PIECES):
            self.wfile.write(chunk("slowly "))
            self.wfile.flush()
            time.sleep(DRIP_SECONDS)
        self.wfile.write(chunk("[#100].", finish="stop"))
        self.wfile.write(b"data: [DONE]\n\n")

    def flood(self, piece: str) -> None:
        """FLOOD_PIECES pieces as fast as the client reads them, then a proper end."""
        for _ in range(FLOOD_PIECES):
            self.wfile.write(chunk(piece))
        self.wfile.write(chunk("", finish="stop"))
        self.wfile.write(b"data: [DONE]\n\n")

    def error(self, status: int, message: str, headers: dict | None = None) -> None:
        body = json.dumps({"error": {"message": message, "type": "error", "code": status}})
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())
