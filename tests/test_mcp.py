"""`posters mcp` driven by the `mcp` SDK's own client over stdio, as Claude Desktop or an IDE
would: the tools are listed with the citation contract, ask and similar answer from the real
store, and every citation is among the answer's sources."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import anyio
import pytest

from assistant.settings import OFFLINE_ENV

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
TOOLS = {"ask", "search_posters", "get_poster", "similar", "summarize"}


def session_with(store: Path, script) -> dict:
    """Run `script(client)` against a fresh `posters mcp` process; returns what it collected."""
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable, cwd=str(ROOT), env={**OFFLINE_ENV, "POSTERS_BACKEND": "extractive"},
        args=["-m", "assistant.cli", "mcp", "--store", str(store)])

    async def main() -> dict:
        async with Client(params, read_timeout_seconds=120) as client:
            return await script(client)

    return anyio.run(main)


def cited(text: str) -> set[int]:
    return {int(b) for b in re.findall(r"\[#(\d+)\]", text)}


def test_tools_are_listed_with_the_citation_contract_and_ask_cites_only_its_sources(real_store):
    async def script(client) -> dict:
        tools = (await client.list_tools()).tools
        first = await client.call_tool("ask", {
            "question": "Is anyone using diffusion models to design drug molecules?"})
        follow = await client.call_tool("ask", {
            "question": "which of those are spotlights?",
            "history": [first.structured_content]})
        filtered = await client.call_tool("ask", {
            "question": "posters about diffusion", "kinds": ["oral"]})
        off = await client.call_tool("ask", {"question": "What is the Wi-Fi password?"})
        return {"tools": {t.name: t.description for t in tools}, "first": first,
                "follow": follow, "filtered": filtered, "off": off}

    got = session_with(real_store, script)

    assert set(got["tools"]) == TOOLS
    assert "[#812]" in got["tools"]["ask"] and "never cite a board" in got["tools"]["ask"]
    for name in ("first", "follow", "filtered"):
        result = got[name]
        assert not result.is_error, result.content
        answer = result.structured_content
        boards = {s["board"] for s in answer["sources"]}
        assert answer["citations"] and set(answer["citations"]) <= boards
        assert cited(answer["answer"]) <= boards
        # The text content the model reads is the same answer.
        assert json.loads(result.content[0].text)["citations"] == answer["citations"]
    assert 105 in got["first"].structured_content["citations"]
    assert got["follow"].structured_content["citations"] == [105]  # the one spotlight
    assert all(s["kind"] == "oral" for s in got["filtered"].structured_content["sources"])
    off = got["off"].structured_content
    assert off["abstained"] and off["citations"] == [] and cited(off["answer"]) == set()


def test_similar_poster_summarize_search_and_the_session_resource(real_store):
    async def script(client) -> dict:
        return {
            "similar": await client.call_tool("similar", {"board": 813, "k": 3}),
            "poster": await client.call_tool("get_poster", {"board": 813}),
            "missing": await client.call_tool("get_poster", {"board": 99999}),
            "summary": await client.call_tool("summarize", {"area": "federated learning"}),
            "search": await client.call_tool("search_posters", {"query": "federated learning",
                                                                  "k": 5}),
            "resources": [str(r.uri) for r in (await client.list_resources()).resources],
            "session": (await client.read_resource("posters://session")).contents[0].text,
            "card": (await client.read_resource("posters://poster/813")).contents[0].text,
        }

    got = session_with(real_store, script)

    near = got["similar"].structured_content["result"]
    assert 1 <= len(near) <= 3 and 813 not in [p["board"] for p in near]
    assert [p["score"] for p in near] == sorted((p["score"] for p in near), reverse=True)
    card = got["poster"].structured_content
    assert card["title"] == "Scaling Data-Constrained Language Models"
    assert card["award"] == "Outstanding Paper Runner-up"
    assert got["missing"].is_error
    assert "board 99999: no such poster" in got["missing"].content[0].text
    summary = got["summary"].structured_content
    assert summary["boards"] and summary["themes"]
    for theme in summary["themes"]:
        assert cited(theme["summary"]) <= set(summary["boards"])
    search = got["search"].structured_content
    assert not search["abstained"] and 1 <= len(search["posters"]) <= 5
    assert set(search["posters"][0]) >= {"board", "title", "score", "bm25"}
    assert "posters://session" in got["resources"]
    session = json.loads(got["session"])
    assert session["posters"] == 391 and session["kinds"] == {"poster": 335, "spotlight": 45,
                                                              "oral": 11}
    assert json.loads(got["card"])["board"] == 813
