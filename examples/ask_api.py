"""Ask the running app through its typed API: a three-turn conversation with filters.

    posters chat &            # the app on http://127.0.0.1:7860
    python examples/ask_api.py [URL]

Every turn passes the earlier answers as its history, exactly as `posters ask --json` printed
them; every cited board must be among the answer's sources.
"""

import sys

from gradio_client import Client

client = Client(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:7860")
first = client.predict("Is anyone using diffusion models to design drug molecules?",
                       api_name="/ask")
second = client.predict("which of those are spotlights?", [first], api_name="/ask")
third = client.predict("which of those use equivariant networks?", [first, second],
                       ["poster", "spotlight"], 100, 1000, api_name="/ask")  # kinds, boards
for turn in (first, second, third):
    print(turn["answer"], turn["citations"])
    assert set(turn["citations"]) <= {s["board"] for s in turn["sources"]}
print("all cited boards are among the sources")
print(client.predict(813, api_name="/poster")["title"])
