"""The LLM planner (POSTERS_LLM_PLANNER): the model reads the intent and topic through JSON
schema output, the rules keep the slots, and an invalid or failed reading falls back to the
rules. Real `openai` client against llama.cpp's server and a misbehaving local server."""

from __future__ import annotations

import json

import pytest

from assistant.catalog import index_cards
from assistant.understand import INTENTS, LLMReading, fresh_plan, index_titles, llm_plan
from tests import local_llm
from tests.fault_server import FaultServer

QUESTION = "Which orals are about diffusion?"


@pytest.fixture(scope="module")
def rules_plan(bundled):
    cards = bundled.posters
    return fresh_plan(QUESTION, index_cards(cards), index_titles(cards))


@pytest.mark.parametrize("reply", [
    "This poster is the closest [#615].",  # prose, not JSON
    '{"intent": "search"}',  # a field missing
    '{"intent": "guess", "topic": "diffusion"}',  # not an intent
    '{"intent": "search", "topic": "diffusion", "boards": [9999]}',  # a slot it may not set
    '{"intent": "compare", "topic": ""}',  # a comparison of no poster
])
def test_an_invalid_reading_is_refused(rules_plan, reply):
    assert llm_plan(reply, rules_plan) is None


def test_a_valid_reading_sets_intent_and_topic_and_the_rules_keep_the_slots(rules_plan):
    plan = llm_plan('{"intent": "count", "topic": "denoising diffusion"}', rules_plan)
    assert (plan.intent, plan.topic, plan.by) == ("count", "denoising diffusion", "llm")
    assert plan.kinds == rules_plan.kinds == frozenset({"oral"})


@pytest.fixture
def planner(llm_assistant):
    return lambda base_url: llm_assistant(base_url, llm_planner=True, top_k=3)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["badjson", "500"])
def test_a_failed_planner_falls_back_to_the_rules(planner, rules_plan, mode):
    server = FaultServer()
    try:
        server.mode = mode
        answer = planner(server.base_url).ask(QUESTION)
    finally:
        server.shutdown()
    assert answer.plan.by == "rules" and answer.plan.kinds == frozenset({"oral"})
    assert answer.citations == [615]  # the extractive fallback, within the orals


@pytest.mark.slow
def test_the_local_model_answers_under_the_plan_schema(planner):
    """llama.cpp enforces the JSON schema: the tiny model's reading is valid JSON of the
    right shape (whatever it says), and the answer built on it cites only given posters."""
    process, url = local_llm.start()
    try:
        assistant = planner(url)
        reply = assistant.llm.structured(
            [{"role": "user", "content": f"Question: {QUESTION}"}], "plan",
            LLMReading.model_json_schema())
        reading = LLMReading.model_validate_json(reply)
        assert reading.intent in INTENTS
        answer = assistant.ask(QUESTION)
    finally:
        process.kill()
        process.wait()
    assert answer.plan.kinds == frozenset({"oral"})  # the slot stays with the rules
    assert answer.plan.by in {"llm", "rules"}
    assert set(answer.citations) <= {s.board for s in answer.sources}
    assert json.loads(reply)


def test_the_schema_offers_the_intents_the_executor_runs():
    from typing import get_args

    assert set(get_args(LLMReading.model_fields["intent"].annotation)) == set(INTENTS)


@pytest.mark.slow
def test_a_follow_up_rewritten_by_the_model_keeps_the_conversation_it_is_in(llm_assistant):
    from tests.scripted_llm import ScriptedLLM
    from tests.test_plans import turn_of

    server = ScriptedLLM()
    assistant = llm_assistant(server.base_url)
    first = assistant.ask("what's at 813?")
    second = assistant.ask("and 1126?", previous=turn_of("what's at 813?", first))
    asked = server.requests
    # the rules cannot place this follow-up: the model rewrites it as a standalone question,
    # and the posters of the earlier turns stay reachable ("compare the two" next)
    plan = assistant.plan("anything on diffusion for audio?", turn_of("and 1126?", second))
    assert server.requests == asked + 1
    assert plan.earlier[:2] == (1126, 813)
