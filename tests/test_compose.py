"""What an answer says when the plan is right but there is less to answer with."""

from __future__ import annotations

import re

import pytest

from tests.test_plans import turn_of

pytestmark = pytest.mark.slow


def test_comparing_after_a_one_poster_answer_says_there_is_only_one(real_assistant):
    first = real_assistant.ask("what's at 813?")
    answer = real_assistant.ask("compare the first two", previous=turn_of("what's at 813?", first))
    assert answer.citations == [813]
    assert "only one poster to compare" in answer.answer and "Side by side" not in answer.answer


def test_a_message_that_is_not_about_the_posters_gets_a_plain_reply(real_assistant):
    for message in ("what's your name?", "thanks!", "what time is lunch?"):
        answer = real_assistant.ask(message)
        assert answer.citations == [] and answer.sources == [], message
        assert "posters of this session" in answer.answer
        assert not re.search(r"#\s*\d|\bboard \d", answer.answer)  # nothing reads as a citation


def test_more_after_an_answer_that_showed_everything_says_so(real_assistant):
    question = "Which posters are about knowledge distillation?"
    first = real_assistant.ask(question)
    assert first.citations and len(first.results) == len(first.citations)  # all were shown
    more = real_assistant.ask("show me more", previous=turn_of(question, first))
    assert more.citations == [] and more.answer.startswith("The previous answer already showed "
                                                           "every poster it found")


def test_a_list_cut_short_says_how_many_were_found_and_how_to_see_them():
    from assistant.compose import topic_answer
    from tests.conftest import poster

    scored = [(poster(b), 0.5) for b in (101, 102, 103)]
    cut = topic_answer("graph neural networks", scored, 2)
    assert cut.citations == [101, 102] and cut.results == [101, 102, 103]
    assert "Showing 2 of the 3 posters found" in cut.answer
    assert "show me more" in cut.answer
    whole = topic_answer("graph neural networks", scored, 3)
    assert "Showing" not in whole.answer


def test_a_name_asked_of_is_found_inside_a_longer_name():
    from assistant.answer import best_sentence

    abstract = ("We propose a new dataset of ships and floating matter. "
                "Its detector fuses both images with DoubleFPN at every scale.")
    assert "DoubleFPN" in best_sentence("what is the FPN variant?", abstract)
