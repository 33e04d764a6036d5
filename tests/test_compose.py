"""What an answer says when the plan is right but there is less to answer with."""

from __future__ import annotations

import re

import pytest

from tests.test_plans import turn_of


@pytest.mark.slow
def test_comparing_after_a_one_poster_answer_says_there_is_only_one(real_assistant):
    first = real_assistant.ask("what's at 813?")
    answer = real_assistant.ask("compare the first two", previous=turn_of("what's at 813?", first))
    assert answer.citations == [813]
    assert "only one poster to compare" in answer.answer and "Side by side" not in answer.answer


@pytest.mark.slow
def test_a_message_that_is_not_about_the_posters_gets_a_plain_reply(real_assistant):
    for message in ("what's your name?", "thanks!", "what time is lunch?"):
        answer = real_assistant.ask(message)
        assert answer.citations == [] and answer.sources == [], message
        assert "posters of this session" in answer.answer
        assert not re.search(r"#\s*\d|\bboard \d", answer.answer)  # nothing reads as a citation


@pytest.mark.slow
def test_more_after_an_answer_that_showed_everything_says_so(real_assistant):
    question = "Which posters are about knowledge distillation?"
    first = real_assistant.ask(question)
    assert first.citations and len(first.results) == len(first.citations)  # all were shown
    more = real_assistant.ask("show me more", previous=turn_of(question, first))
    assert more.citations == [] and more.answer.startswith("The previous answer already showed "
                                                           "every poster it found")


@pytest.mark.slow
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


@pytest.mark.slow
def test_a_name_asked_of_is_found_inside_a_longer_name():
    from assistant.answer import best_sentence

    abstract = ("We propose a new dataset of ships and floating matter. "
                "Its detector fuses both images with DoubleFPN at every scale.")
    assert "DoubleFPN" in best_sentence("what is the FPN variant?", abstract)


# Abstracts written for these tests: each row names the role a reader would give a sentence,
# or "" where no sentence plays it (saying nothing beats a wrong label).
_LIMITED = ("Retrieval-augmented models answer open-domain questions. We present RAGLite, a small "
            "reader that reuses the retriever's index. Experiments on three benchmarks show that "
            "RAGLite improves exact match by 4.2% over the strongest baseline. A qualitative "
            "analysis demonstrates where RAGLite fails on multi-hop questions.")
_ASKING = ("Convolutional networks are biased toward texture. How could we introduce more shape "
           "bias into them? We propose SparseTop, a rule that keeps the k strongest activations "
           "per layer. We find that SparseTop doubles the shape bias of a ResNet-50.")
_BACKGROUND = ("Diffusion models have achieved remarkable success in image synthesis. However, "
               "sampling them remains slow. We propose StepSaver, an ODE solver that reuses the "
               "previous step's score. StepSaver is simple to implement.")
_THEORY = ("Local Bayesian optimization has shown strong empirical performance in high "
           "dimensions. Yet little is known about its behaviour. We analyse a trust-region "
           "variant of local Bayesian optimization. We prove that it converges at a rate that "
           "does not depend on the dimension.")
_SECONDARY = ("Knowledge distillation speeds up molecular models. In this paper, we devise a "
              "feature-matching loss for equivariant students. Moreover, we conduct a study of "
              "every component of our framework. Students trained this way close 90% of the gap "
              "to their teachers. Extending these experiments to proteins is left to future "
              "work.")
_POINTER = ("Sign language datasets are small. We collect 40 hours of signing from 12 signers. "
            "Our data are released at https://example.org/signs.")


@pytest.mark.parametrize(("abstract", "role", "expected"), [
    # a finding, not the limitation after it
    (_LIMITED, "result", "Experiments on three benchmarks show that RAGLite improves exact "
                         "match by 4.2% over the strongest baseline."),
    # a question is no method (nor a result); it may be the problem
    (_ASKING, "method", "We propose SparseTop, a rule that keeps the k strongest activations "
                        "per layer."),
    (_ASKING, "problem", "How could we introduce more shape bias into them?"),
    # background ("X has achieved ...") is no result, and the gap is the problem
    (_BACKGROUND, "result", ""),
    (_BACKGROUND, "problem", "However, sampling them remains slow."),
    # no opening context as a result; a theorem is one
    (_THEORY, "result", "We prove that it converges at a rate that does not depend on the "
                        "dimension."),
    (_THEORY, "method", "We analyse a trust-region variant of local Bayesian optimization."),
    # the method is what the paper proposes first, not an add-on ("Moreover, we conduct ...")
    (_SECONDARY, "method", "In this paper, we devise a feature-matching loss for equivariant "
                           "students."),
    # ... and a plan for future work is no result
    (_SECONDARY, "result", "Students trained this way close 90% of the gap to their teachers."),
    # where the data are is no result
    (_POINTER, "result", ""),
])
def test_each_sentence_of_an_abstract_gets_the_role_it_plays(abstract, role, expected):
    from assistant.compose import aspects

    assert aspects(abstract)[role] == expected


def test_a_question_in_an_abstract_is_never_its_method_or_result():
    from assistant.compose import aspects

    parts = aspects(_ASKING)
    assert not parts["method"].endswith("?") and not parts["result"].endswith("?")


def test_a_comparison_labels_a_finding_as_the_result_and_omits_a_result_it_lacks():
    from assistant.compose import compare_answer
    from tests.conftest import poster

    answer = compare_answer([poster(101, _LIMITED), poster(102, _BACKGROUND)]).answer
    first, second = answer.split("\n\n")[1:]
    assert "- Result: Experiments on three benchmarks show that RAGLite improves" in first
    assert "fails on multi-hop" not in first
    assert "- Problem: However, sampling them remains slow." in second
    assert "Result:" not in second  # none of its sentences is a finding


_ASKS_ITSELF = ("Texture cues dominate what convolutional networks learn. How could we introduce "
                "more reliance on outlines into such networks? We add a sparsity constraint to "
                "each layer. We find that the sparse networks classify by outline far more "
                "often, by 12 points on a cue-conflict benchmark.")


def test_a_question_the_abstract_asks_is_never_the_claim_quoted():
    # "How could we introduce ...?" matched "we introduce" and was quoted as the main claim
    from assistant.answer import best_sentence, contribution_sentence

    claim = best_sentence("what is the main claim about outlines", _ASKS_ITSELF)
    assert claim.startswith("We find that the sparse networks"), claim
    assert not contribution_sentence("outlines", _ASKS_ITSELF).endswith("?")


_OWN_NAME = ("Segmenting new classes erodes old ones. We present FOXTROT, which replays compact "
             "prototypes of past classes. FOXTROT also keeps old features unchanged. It runs "
             "4.5x faster than replaying raw images. Experiments on Pascal VOC and ADE20K show "
             "that FOXTROT surpasses prior methods. Code is available at "
             "https://example.org/foxtrot.")


@pytest.mark.parametrize(("asks", "expected"), [
    # a name asked of beats the poster's own name, which most sentences say
    ("FOXTROT results on ADE20K", "Experiments on Pascal VOC and ADE20K"),
    # the code: the sentence giving where it is, though it shares no word but "code"
    ("is the implementation released", "Code is available at"),
    # a speed-up: the sentence with the throughput figure
    ("what speedup does FOXTROT get", "It runs 4.5x faster"),
])
def test_a_fact_asked_of_a_poster_is_the_sentence_that_states_it(asks, expected):
    from assistant.answer import best_sentence

    assert best_sentence(asks, _OWN_NAME).startswith(expected)


# Questions asked of one real poster of the bundled session (as `plan.asks` reaches
# `best_sentence`: the poster's name and the question's frame already gone). A role asked
# of the poster is the sentence playing it, not one that merely says the question's word.
@pytest.fixture(scope="module")
def posters_by_board(bundled):
    return {p.board: p for p in bundled.posters}


@pytest.mark.parametrize(("board", "asks", "expected"), [
    # where it is evaluated, not "a potential solution lies in the combination of datasets"
    (311, "datasets does the evaluate", "across 5 medical image tasks and 10 datasets"),
    (206, "datasets", "Experiments on two public datasets, Pascal VOC 2012 and ADE20K"),
    # an abstract that names no dataset: its evaluation sentence, not the method
    (124, "datasets does evaluate", "Experiments show that DAC-DETR brings"),
    # named benchmarks after the method, not the context "trackers have achieved strong
    # accuracy on the standard benchmarks"
    (221, "benchmarks", "MixFormerV2-B achieves an AUC of 70.6"),
    # the main result of a theory paper that states no result sentence: what it contributes
    # (the log-size separation), not the framing "we establish ... positive and negative results"
    (810, "main result", "whereas transformers scale merely logarithmically"),
    # the main idea (the noun gone from what was asked) or the approach: the method sentence,
    # not "Recently, text-guided 3D generative methods have made remarkable advancements"
    (613, "main", "In this work, we address these challenges by introducing"),
    (613, "approach", "In this work, we address these challenges by introducing"),
    # its result, where the abstract reports it as evidence ("showcase ... superior")
    (613, "main result", "We showcase HeadSculpt's superior fidelity"),
])
def test_a_role_asked_of_a_real_poster_is_the_sentence_that_plays_it(posters_by_board, board,
                                                                      asks, expected):
    from assistant.answer import best_sentence

    card = posters_by_board[board]
    assert expected in best_sentence(asks, card.abstract, card.title)


def test_a_method_or_a_test_named_in_a_topic_is_the_topic_not_a_role(posters_by_board):
    from assistant.answer import best_sentence
    from assistant.compose import aspects

    # "main idea" is the method; "Heun's method" is what is asked about: the sentence that
    # says it, not the poster's method sentence
    card = posters_by_board[613]
    assert best_sentence("main idea", card.abstract, card.title) == aspects(card.abstract)[
        "method"]
    heun = posters_by_board[503]
    line = best_sentence("Heun's method", heun.abstract, heun.title)
    assert line != aspects(heun.abstract)["method"] and "Heun" in line


def test_a_result_reported_as_evidence_is_the_result_and_a_plan_to_evaluate_is_not(
        posters_by_board):
    from assistant.compose import aspects

    # no sentence says "outperforms" or "we show that", yet these report the outcome
    assert aspects(posters_by_board[613].abstract)["result"].startswith(
        "We showcase HeadSculpt's superior fidelity")
    assert aspects(posters_by_board[420].abstract)["result"].startswith(
        "In the considered numerical experiments, the proposed method is competitive")
    # "we ... test their prediction results on benchmark datasets to evaluate its
    # effectiveness" says what they will check, not what they found
    assert aspects(posters_by_board[434].abstract)["result"] == ""


@pytest.mark.slow
def test_a_detail_asked_of_a_named_poster_is_answered_by_the_sentence_that_states_it(
        real_assistant):
    for question, board, expected in (
            ("what datasets does the Med-UniC paper evaluate on", 311, "10 datasets"),
            ("what's the main result of #810", 810, "transformers scale merely logarithmically"),
            ("the HeadSculpt one - main idea?", 613, "coarse-to-fine pipeline")):
        answer = real_assistant.ask(question)
        assert answer.citations == [board], question
        assert expected in answer.answer, (question, answer.answer)


def test_a_stop_the_page_lost_its_space_after_still_ends_a_sentence(bundled):
    """"... called DoubleFPN.Extensive experiments ...", "community.\\textbf{Med-UniC}
    reaches ...": the answer to what a poster is evaluated on is its own sentence, not glued
    to the one before it."""
    from assistant.answer import best_sentence
    from assistant.text import split_sentences

    assert split_sentences("We call it DoubleFPN.Extensive experiments show gains.") == [
        "We call it DoubleFPN.", "Extensive experiments show gains."]
    assert split_sentences("It adds a feature.CAAFE paves the way.")[1] == "CAAFE paves the way."
    assert split_sentences("Smith et al. show it, e.g. for GPT.") == [
        "Smith et al. show it, e.g. for GPT."]
    med = next(p for p in bundled.posters if p.board == 311)
    evaluated = best_sentence("what datasets does it evaluate on", med.abstract, med.title)
    assert "10 datasets" in evaluated and not evaluated.startswith("Furthermore")
