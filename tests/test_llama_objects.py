"""The llama-index retriever and chat engine, used through llama-index's own interfaces
(`retrieve`, `chat`, `stream_chat`, `RetrieverEvaluator`) on the real store."""

from __future__ import annotations

import asyncio
import re

import pytest
from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
from llama_index.core.llms.callbacks import llm_completion_callback
from llama_index.core.vector_stores.types import FilterOperator, MetadataFilter, MetadataFilters

from assistant.answer import CANNOT_ANSWER
from assistant.api import Posters
from assistant.llama import PosterChatEngine, PosterRetriever

pytestmark = pytest.mark.slow
DRUGS = "Is anyone using diffusion models to design drug molecules?"


def cited(text: str) -> list[int]:
    return [int(b) for b in re.findall(r"\[#(\d+)\]", text)]


class CitingLLM(CustomLLM):
    """A scripted model (a fake at the edge): cites the first valid board it is given, and a
    board it was not given, which the guard must remove."""

    calls: int = 0

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="citing-llm")

    def reply(self, prompt: str) -> str:
        valid = re.search(r"Valid citations: \[#(\d+)\]", prompt)
        follow_up = re.search(r"Follow-up question: (.*)", prompt)
        if follow_up is not None:  # asked to rewrite a follow-up: it stands alone already
            return follow_up.group(1)
        if valid is None:  # the planner: no reading, so the rules' plan stands
            return "{}"
        return f"This poster designs molecules [#{valid.group(1)}]; also see [#9999]."

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs) -> CompletionResponse:
        self.calls += 1
        return CompletionResponse(text=self.reply(prompt))

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs):
        self.calls += 1
        text, shown = self.reply(prompt), ""
        for word in re.findall(r"\S+\s*", text):  # a citation may arrive split: "[#" "105]"
            for piece in (word[:3], word[3:]):
                shown += piece
                yield CompletionResponse(text=shown, delta=piece)


@pytest.fixture(scope="module")
def posters(real_assistant) -> Posters:
    return Posters(real_assistant)


def test_retrieve_ranks_posters_with_their_metadata_filters_and_abstention_evidence(posters):
    hits = PosterRetriever(posters, similarity_top_k=5).retrieve(DRUGS)
    assert 1 <= len(hits) <= 5
    top = hits[0].node
    assert top.node_id == f"{top.metadata['session']}:{top.metadata['board']}"
    assert 105 in [h.node.metadata["board"] for h in hits[:3]]
    assert top.metadata["abstained"] is False and top.metadata["top_cosine"] > 0
    assert "LinkerNet" in hits[[h.node.metadata["board"] for h in hits].index(105)].node.text
    # The evidence stays out of what an LLM reads.
    assert "top_cosine" not in top.get_content(metadata_mode="llm")

    orals = PosterRetriever(posters, kinds=["oral"]).retrieve("diffusion models")
    assert orals and all(h.node.metadata["kind"] == "oral" for h in orals)
    ranged = PosterRetriever(posters, filters=MetadataFilters(filters=[
        MetadataFilter(key="board", value=300, operator=FilterOperator.GTE),
        MetadataFilter(key="board", value=350, operator=FilterOperator.LTE)]),
    ).retrieve("language models")
    assert ranged and all(300 <= h.node.metadata["board"] <= 350 for h in ranged)

    off = PosterRetriever(posters).retrieve("What is the Wi-Fi password?")
    assert all(h.node.metadata["abstained"] for h in off)
    assert PosterRetriever(posters, empty_when_abstaining=True).retrieve(
        "What is the Wi-Fi password?") == []


def test_chat_follows_up_and_cites_only_its_source_nodes(posters):
    engine = PosterChatEngine(posters)

    first = engine.chat(DRUGS)
    follow = engine.chat("which of those are spotlights?")

    assert 105 in cited(first.response)
    assert set(cited(first.response)) <= {n.node.metadata["board"] for n in first.source_nodes}
    assert cited(follow.response) == [105]
    assert follow.metadata["citations"] == [105]
    assert [m.role.value for m in engine.chat_history] == ["user", "assistant"] * 2
    engine.reset()  # a new conversation (a follow-up could read it as about #105)
    off = engine.chat("What is the Wi-Fi password?")
    assert len(engine.chat_history) == 2
    assert off.response.startswith(CANNOT_ANSWER) and off.source_nodes == []


def test_stream_chat_streams_the_answer_and_keeps_an_undrained_turn(posters):
    engine = PosterChatEngine(posters)

    streamed = engine.stream_chat(DRUGS)
    text = "".join(streamed.response_gen)

    assert text.strip() == engine.last_answer["answer"].strip()
    assert 105 in cited(text)
    assert {n.node.metadata["board"] for n in streamed.source_nodes} == set(cited(text))
    # A stream nobody reads still becomes the turn the next question follows up on.
    engine.reset()
    engine.stream_chat(DRUGS)
    follow = engine.chat("which of those are spotlights?")
    assert cited(follow.response) == [105]
    assert len(engine.chat_history) == 4

    async def in_async_code() -> tuple[str, list[int]]:
        engine.reset()
        streamed = await engine.astream_chat(DRUGS)
        text = "".join([piece async for piece in streamed.async_response_gen()])
        follow = await engine.achat("which of those are spotlights?")
        return text, follow.metadata["citations"]

    text, follow_citations = asyncio.run(in_async_code())
    assert 105 in cited(text) and follow_citations == [105]


def test_an_llm_chat_engine_passes_the_citation_guard(posters):
    llm = CitingLLM()
    engine = PosterChatEngine(posters, llm=llm)

    answer = engine.chat(DRUGS)
    streamed = engine.stream_chat("Is anyone generating synthetic MILP instances?")
    text = "".join(streamed.response_gen)

    assert llm.calls >= 2
    assert "[#9999]" not in answer.response and "[#9999]" not in text
    assert cited(answer.response) and 9999 in answer.metadata["dropped_citations"]
    assert "#9999" in answer.metadata["notice"]
    assert set(cited(answer.response)) <= {s["board"] for s in answer.metadata["sources"]}
    assert cited(text) and set(cited(text)) <= {s["board"] for s in
                                                engine.last_answer["sources"]}
    assert "(llama-index)" in answer.metadata["backend"]


def test_retriever_evaluator_matches_posters_eval_on_the_test_split(real_assistant, posters):
    from llama_index.core.evaluation import RetrieverEvaluator

    from eval.harness import run_testset
    from eval.metrics import reciprocal_rank
    from eval.testset import DEFAULT_TESTSET, load_testset

    rows = [r for r in load_testset(DEFAULT_TESTSET)
            if r.split == "test" and not r.turns and r.gold_boards]
    k = 10
    retriever = PosterRetriever(posters, similarity_top_k=k)
    evaluator = RetrieverEvaluator.from_metric_names(["hit_rate", "mrr"], retriever=retriever)
    by_board = real_assistant.index.by_board

    def score(question: str, gold: list[int]) -> dict[str, float]:
        try:
            return evaluator.evaluate(question, expected_ids=[
                str(by_board[b].key) for b in gold]).metric_vals_dict
        except ValueError:  # llama-index's metrics refuse an empty retrieval: a miss
            assert retriever.retrieve(question) == []
            return {"hit_rate": 0.0, "mrr": 0.0}

    results = [score(row.question, row.gold_boards) for row in rows]
    hit_rate = sum(r["hit_rate"] for r in results) / len(rows)
    mrr = sum(r["mrr"] for r in results) / len(rows)

    scored = run_testset(real_assistant, rows, "hybrid", progress=False)
    eval_hit = sum(bool(set(s.gold) & set(s.retrieved[:k])) for s in scored) / len(rows)
    eval_mrr = sum(reciprocal_rank(s.gold, s.retrieved[:k]) for s in scored) / len(rows)
    print(f"\n{len(rows)} test rows, k={k}: RetrieverEvaluator hit_rate {hit_rate:.3f} "
          f"mrr {mrr:.3f}; posters eval (hybrid) hit@{k} {eval_hit:.3f} mrr@{k} {eval_mrr:.3f}")

    assert hit_rate == pytest.approx(eval_hit) and mrr == pytest.approx(eval_mrr)
    assert hit_rate > 0.8
