"""The LLM relevance judge (POSTERS_LLM_JUDGE): with a model configured, one call with JSON
schema output says which of the posters the offline evidence kept answer a topic question.
None: the answer says so and lists them as related. An invalid verdict or a failed call
leaves the offline evidence to decide. Real `openai` client against a scripted local server
(a queue of replies) and llama.cpp's server with the tiny bundled model."""

from __future__ import annotations

import pytest

from assistant.relevance import LLMJudgement, judged
from tests import local_llm
from tests.fault_server import FaultServer

QUESTION = "Which posters are about federated learning?"


@pytest.mark.parametrize("reply", [
    "Posters #305 and #512 answer it.",  # prose, not JSON
    '{"boards": [305]}',  # the wrong field
    '{"relevant": [305, 9999]}',  # a board it was not offered
    '{"relevant": "305"}',  # not a list of boards
])
def test_an_invalid_verdict_is_refused(reply):
    assert judged(reply, [305, 512]) is None


def test_a_valid_verdict_keeps_the_offered_order():
    assert judged('{"relevant": [512, 305]}', [305, 903, 512]) == [305, 512]
    assert judged('{"relevant": []}', [305, 512]) == []


@pytest.fixture
def judging(llm_assistant):
    return lambda base_url: llm_assistant(base_url, llm_judge=True, top_k=5)


@pytest.fixture
def server():
    server = FaultServer()
    server.mode = "queue"
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def offline_kept(real_assistant):
    """The federated-learning posters the offline evidence cites (several)."""
    kept = real_assistant.ask(QUESTION).citations
    assert len(kept) >= 3
    return kept


@pytest.mark.slow
def test_the_judge_narrows_what_the_answer_may_cite(judging, server, offline_kept):
    keep, dropped = offline_kept[1], offline_kept[0]
    server.replies = [f'{{"relevant": [{keep}]}}',
                      f"Federated learning is studied at [#{keep}] and [#{dropped}]."]
    answer = judging(server.base_url).ask(QUESTION)
    assert server.requests == 2  # one verdict, one answer
    assert answer.citations == [keep]  # the board judged irrelevant is not cited
    assert dropped in answer.dropped_citations
    assert [s.board for s in answer.sources] == [keep]


@pytest.mark.slow
def test_none_relevant_abstains_with_the_posters_as_related(judging, server, offline_kept):
    server.replies = ['{"relevant": []}']
    answer = judging(server.base_url).ask(QUESTION)
    assert server.requests == 1  # no answer is written about posters that do not answer
    assert answer.abstained and not answer.citations
    assert answer.related and set(answer.related) <= set(offline_kept)


@pytest.mark.slow
def test_an_invalid_verdict_leaves_the_offline_evidence_to_decide(judging, server,
                                                                   offline_kept):
    first = offline_kept[0]
    server.replies = ["I think they are all relevant.", f"See [#{first}]."]
    answer = judging(server.base_url).ask(QUESTION)
    assert answer.citations == [first] and not answer.abstained
    assert {s.board for s in answer.sources} == set(offline_kept[:5])


@pytest.mark.slow
def test_a_failed_judge_falls_back_to_the_offline_evidence(judging, offline_kept):
    server = FaultServer()
    try:
        server.mode = "500"
        answer = judging(server.base_url).ask(QUESTION)
    finally:
        server.shutdown()
    assert not answer.abstained
    assert set(answer.citations) == set(offline_kept[:5])  # the extractive answer, as offline


@pytest.mark.slow
def test_the_local_model_judges_under_the_schema(judging, offline_kept):
    """llama.cpp enforces the JSON schema: the tiny model's verdict is valid JSON of the
    right shape; whatever it says, the answer cites only posters it was given."""
    process, url = local_llm.start()
    try:
        assistant = judging(url)
        reply = assistant.llm.structured(
            [{"role": "user", "content": f"Question: {QUESTION}\nPosters: [#305] ..."}],
            "judgement", LLMJudgement.model_json_schema())
        LLMJudgement.model_validate_json(reply)
        answer = assistant.ask(QUESTION)
    finally:
        process.kill()
        process.wait()
    assert set(answer.citations) <= set(offline_kept)
    assert set(answer.citations) <= {s.board for s in answer.sources}
