"""Start the app and answer one question with every non-loopback connection blocked.

Run by tests/test_offline.py in a fresh interpreter: `python tests/offline_app.py STORE`.
Prints one JSON line: the attempts that were blocked and the first answer's citations.
An audit hook (PEP 578) sees each DNS lookup and connect before any packet leaves.
"""

from __future__ import annotations

import json
import socket
import sys

ATTEMPTS: list[str] = []


def is_local(host: object) -> bool:
    host = host.decode() if isinstance(host, bytes) else host
    return host in (None, "", "localhost", "::1", "0.0.0.0") or str(host).startswith("127.")


def guard(event: str, args: tuple) -> None:
    if event == "socket.getaddrinfo":
        host = args[0]
    elif event == "socket.connect" and isinstance(args[1], tuple):
        host = args[1][0]
    else:
        return
    if not is_local(host):
        ATTEMPTS.append(f"{event} {host}")
        raise OSError(f"blocked: {host}")


def main(store: str) -> None:
    sys.addaudithook(guard)
    from assistant.settings import Settings, apply_offline_env

    apply_offline_env()  # what the `posters` command does first
    from gradio_client import Client

    from assistant.app import launch
    from assistant.ask import Assistant

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    demo = launch(Assistant(Settings(store=store, backend="extractive")), port=port,
                  block=False)
    client = Client(f"http://127.0.0.1:{port}", analytics_enabled=False, verbose=False)
    history, *_ = client.predict("What's at #813?", [], ["poster", "spotlight", "oral"], 100,
                                 2026, api_name="/chat")
    text = "".join(part["text"] for part in history[-1]["content"])
    client.close()
    demo.close()
    print(json.dumps({"attempts": ATTEMPTS, "answer_has_813": "[#813]" in text}))


if __name__ == "__main__":
    main(sys.argv[1])
