"""Composing extractive answers for each intent of a plan: pure functions over poster cards.

Every answer quotes the posters' own sentences (board-like text in them shown as plain text)
and cites only the posters it was given; `Answer.guarded` checks that once more.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.answer import (
    CANNOT_ANSWER,
    Answer,
    abstain,
    best_sentence,
    card_source,
    card_summary,
    contribution_sentence,
    extractive_answer,
    poster_line,
    quoted,
    session_of,
)
from assistant.citations import Ref, cite, ref_text
from assistant.poster import Poster
from assistant.text import content_words, counted, is_question, split_sentences, stem

if TYPE_CHECKING:
    from assistant.retrieve import PosterFilter
    from assistant.understand import Plan

# Sentence roles of an abstract (`aspects`). A result states a finding or an outcome: a figure,
# "outperforms", "achieves", "we show / find that", "experiments demonstrate". Words that also
# open background ("X has achieved remarkable success"), limitations ("... fails to ...") or
# a paper's plans ("to achieve ...") are weighed against it rather than taken at their word.
_FIGURE = (r"\d+(?:\.\d+)?\s*(?:\\?%|×|x\b|times\b|-?fold\b)|\b(?:up to|by|over|than) "
           r"(?:\$?\d|an? order|orders|several|two|three|ten|half|a factor)")
_OUTCOME = re.compile(r"\b(outperform\w*|surpass\w*|beat(?:s|ing)?|exceed(?:s|ing)?|"
                      r"(?<!to )(?<!is )(?<!are )(?<!be )achiev(?:es|ed|ing)|"
                      r"performs? (?:\w+ )?(?:competitively|comparably|favou?rably|better)|"
                      r"(?:new )?state[- ]of[- ]the[- ]art "
                      r"(?:performance|results?|accuracy)|new state[- ]of[- ]the[- ]art|sota\b|"
                      r"speed-?ups?|improve(?:s|d|ments?)\b|significantly (?:better|\w+s)|"
                      r"(?:better|higher|lower|faster|fewer) \w+(?: \w+)? than|"
                      r"(?:advantages?|gains?|improvements?) over|(?:superior|dominant|strong|"
                      r"competitive|comparable|favou?rable|remarkable|impressive|excellent|"
                      r"promising|better) (?:or \w+ )?(?:performance|results|accuracy))"
                      rf"|{_FIGURE}", re.IGNORECASE)
# "we show / found / provably establish that ...", "our results indicate": the paper's own
# finding ("we show how to ..." is its method).
_OWN_FINDING = re.compile(r"\b(?:we|our (?:\w+ ){0,3}?(?:results?|findings?|analys[ie]s|"
                          r"experiments?|evaluations?|theory))(?: \w+ly| also| further| then|"
                          r" additionally|\b[^.;]{0,150}? and(?: also)?)? (?:show(?!case)|find|"
                          r"found|demonstrat|prove|discover|observe|reveal|confirm|"
                          r"verif|obtain|report(?:s|ed)? that|highlight|indicat|"
                          r"suggest|uncover)\w*(?! how to)|"
                          # what is established may be a benchmark: a contribution, no finding
                          r"\bwe (?:\w+ly )?establish\w*(?! (?:[\w-]+ ){0,5}?(?:benchmark|"
                          r"dataset|framework|baseline|pipeline|platform|library|toolkit)s?\b)",
                          re.IGNORECASE)
_CLAIMS_THAT = re.compile(_OWN_FINDING.pattern + r",? that\b", re.IGNORECASE)
_FINDING = re.compile(r"\b(?:(?:experiments?|results?|evaluations?|analys[ie]s|studies|"
                      r"simulations?|findings|evidence|ablations?)\b[^.;]{0,60}? (?:show|"
                      r"demonstrat|reveal|confirm|verif|validat|indicat|suggest|illustrat|"
                      r"highlight|corroborat|support|affirm|detail)\w*|"
                      r"(?:show|find|demonstrat|prove|reveal)\w* that|"
                      r"(?:is|are) (?:shown to|(?:\w+ly )?(?:demonstrated|confirmed|"
                      r"validated|verified|shown) (?:on|in|by|through|with|across))|"
                      # a theorem's outcome: "converges at a rate", "regret bounds of"
                      r"converges?|rates? of|at (?:an? )?(?:\w+ )?(?:order|rate)|(?:upper|lower|"
                      r"regret|generali[sz]ation|error) bounds?|(?:minimax|near)[- ]?optimal)\b",
                      re.IGNORECASE)
_SUPPORT = re.compile(r"\b(effective\w*|efficacy|competitive|comparable|superior\w*|"
                      r"significant\w*|substantial\w*|robust\w*|accura\w+|experiment\w*|"
                      r"empirical\w*|benchmarks?|leads? to|yield\w*|results? in)\b",
                      re.IGNORECASE)
# Background ("X has gained attention", "However, ...") and limitations are no result, unless
# the paper states them as its finding ("we find that current models fail ...").
_BACKGROUND = re.compile(r"^(?:however|but|yet|despite|although|though|unfortunately|"
                         r"nonetheless|nevertheless|whereas|recent\w*|existing|prior|previous|"
                         r"current|conventional|traditional|many|most|several)\b|\b(?:has|have)"
                         r" (?:gained|attracted|received|drawn|garnered|achieved|shown|made)\b",
                         re.IGNORECASE)
_SHORTFALL = re.compile(r"\b(fail\w*|limitations?|struggl\w*|lacks?|lacking|suffer\w*|"
                        r"remains? (?:challenging|unclear|open|difficult|elusive)|poorly|unable|"
                        r"cannot|inability|drawbacks?|shortcomings?)\b", re.IGNORECASE)
# "We suspect this can be improved", "future work": a hope, not a finding.
_HEDGE = re.compile(r"\bwe (?:suspect|hope|conjecture|believe|expect|speculate)|\bfuture (?:work|"
                    r"research|directions?|refinements?)|\bcan be (?:further )?improved|"
                    r"\bremains? to be\b|\bis left\b", re.IGNORECASE)
_SECONDARY = re.compile(r"^(?:also|additionally|further(?:more)?|moreover|besides|in addition,)"
                        r"|\bwe (?:also|further|additionally)\b", re.IGNORECASE)
# "Code is available at https://...": a pointer, no role.
_POINTER = re.compile(r"https?://|github|\.io\b|\bmake (?:\w+ ){0,3}available|\b(?:code|"
                      r"codes|data|dataset|models?|checkpoints|implementation|demo)s?(?: \w+)"
                      r"{0,3} (?:is|are|will be|can be) (?:\w+ )?(?:available|released|found|"
                      r"hosted)", re.IGNORECASE)
# The method: what the paper proposes ("we propose", "this work presents"), before what it
# only does ("we explore", "in this paper, we ..."); a finding is never the method.
_METHOD = re.compile(r"\b(we (?:\w+ )?(?:propose|introduce|present|develop|design|devise|"
                     r"formulate|construct|build|create|put forward|contribute|curate|collect)"
                     r"(?:s|d|ed)?|(?:this|our) (?:paper|work|study|article) (?:\w+ly )?(?:"
                     r"proposes|introduces|presents|develops|designs)|we\b[^.;]{0,160}?\b(?:"
                     r"proposing|introducing|developing|designing|(?:and|to) (?:then )?(?:propose|"
                     r"introduce|present|develop|design)))\b", re.IGNORECASE)
_APPROACH = re.compile(r"\b(we (?:\w+ )?(?:explor|investigat|stud|examin|analy[sz]|consider|"
                       r"address|tackl|used?\b|using|leverag|employ|adopt|appl|train|model|"
                       r"combin|incorporat|integrat|take|took|perform|conduct|provid|frame|"
                       r"refram|cast|view|extend|generali[sz]|bridg|learn|estimat|"
                       r"characteri[sz]|offer|recommend|deriv)\w*|this (?:paper|work|study|"
                       r"article) (?:aims|explores|studies|investigates|examines|analy[sz]es|"
                       r"considers|addresses|tackles)|(?:in this (?:paper|work|study|article)|"
                       r"here),? we|"
                       r"our (?:proposed )?(?:\w+ )?(?:method|approach|framework|model|algorithm|"
                       r"system|architecture) (?:is|uses|consists|builds|comprises|relies))\b",
                       re.IGNORECASE)
# A problem: a challenge or a gap the paper addresses.
_GAP = re.compile(r"^(?:yet|but|still)\b|\b(however|challeng\w*|difficult\w*|limited|"
                  r"limitations?|lacks?|lacking|fail\w*|suffer\w*|struggl\w*|expensive|"
                  r"costly|prohibitive|bottlenecks?|unclear|poorly|open (?:problem|question)|"
                  r"hinder\w*|unable|overlook\w*|neglect\w*|ignor\w*|gap|vulnerab\w*|"
                  r"prone to|inefficien\w*|unreliable|unrealistic|ill-posed|obstacles?|"
                  r"scarc\w*|little|rarely|insufficient\w*|impractical|intractable|"
                  r"undesirable|hard|fall\w* short|there (?:is|are|exists?) (?:no|few|little)|"
                  r"(?:has|have) not|not been|remains? (?:\w+ )?(?:an? )?(?:open|unclear|"
                  r"unknown|unsolved|elusive|limited|challenge|problem|question|debate)|"
                  r"under-?explored|unexplored|understudied|susceptible|"
                  r"less (?:explored|studied|understood))\b", re.IGNORECASE)


def _answer(text: str, cards: list[Poster], scores: list[float] | None = None,
            abstained: bool = False, related: list[Poster] | None = None) -> Answer:
    scores = scores or [1.0] * len(cards)
    answer = Answer(answer=text, citations=[] if abstained else [c.ref for c in cards],
                    sources=[card_source(c, s) for c, s in zip(cards, scores, strict=True)],
                    abstained=abstained)
    answer.related = [c.ref for c in related or []]
    answer.results = [c.ref for c in cards]
    return answer if abstained else answer.guarded()


def poster_cards(cards: list[Poster]) -> Answer:
    """ "What is at #812?": each poster in full."""
    return _answer("\n\n".join(card_summary(c) for c in cards), cards)


def authors_answer(cards: list[Poster], counted: bool = False, place: str = "") -> Answer:
    """Who wrote each poster; "how many authors": their number first; `place` "first" or
    "last": that author, then all of them."""
    if place in ("first", "last") and all(c.authors for c in cards):
        lines = [f"The {place} author of **{quoted(c.title)}** {cite(c.ref)} is "
                 f"{quoted(c.authors[0 if place == 'first' else -1])} (of {len(c.authors)}: "
                 f"{quoted(c.author_line)})." for c in cards]
        return _answer("\n".join(lines), cards)
    lines = [f"**{quoted(c.title)}** {cite(c.ref)} "
             + (f"has {len(c.authors)} author{'s' * (len(c.authors) != 1)}: " if counted
                else "is by ") + f"{quoted(c.author_line)}." for c in cards]
    return _answer("\n".join(lines), cards)


# "how many videos ...", "how many distinct signs", "how many people use ...": the thing
# counted is among the first words after "how many", before a verb; the sentence that puts a
# number right before one of them answers.
_HOW_MANY = re.compile(r"\bhow many\s+((?:[\w-]+\s+){0,2}?[\w-]+?)(?=\s+(?:do|does|did|are|is|"
                       r"were|was|have|has|had|can|could|will|would|in|on|of|for|they|it|the|"
                       r"use|used)\b|\s*[?.!]*$)", re.IGNORECASE)
_NUMBER = (r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
           r"a dozen|dozens of|hundreds of|thousands of|millions of)")


def counted_sentence(asks: str, abstract: str) -> str | None:
    """For "how many X": the abstract's first sentence that puts a number before X ("83,399
    videos", "four standard benchmarks"), quoted; None when none does."""
    match = _HOW_MANY.search(asks)
    if not match:
        return None
    sentences = split_sentences(abstract)
    for word in match.group(1).split():
        noun = stem(word.lower())
        if len(noun) < 3:
            continue
        near = re.compile(rf"\b{_NUMBER}\s+(?:[\w/-]+\s+){{0,3}}?{re.escape(noun)}",
                          re.IGNORECASE)
        found = next((s for s in sentences if near.search(s)), None)
        if found:
            return quoted(found)
    return None


def answer_from_poster(asks: str, cards: list[Poster]) -> Answer:
    """A question asked of named posters, answered from each one's own sentences: the one
    that answers it best, and the next when it shares the question's words too."""
    wanted = {stem(w) for w in content_words(asks)}
    lines = []
    for card in cards:
        first = (counted_sentence(asks, card.abstract)
                 or best_sentence(asks, card.abstract, card.title))
        if _MANNER_ASKED.match(asks):  # "how ...": the sentence that states the method first
            method = quoted(aspects(card.abstract)["method"])
            first = first if method == first else f"{method} {first}"
        rest = [s for s in split_sentences(card.abstract) if quoted(s) != first]
        second = max(rest, key=lambda s: len(wanted & {stem(w) for w in content_words(s)}),
                     default="")
        extra = ""
        if second and len(wanted & {stem(w) for w in content_words(second)}) >= 2:
            extra = f" {quoted(second)}"
        # "is it an oral?", "did it win anything?": the card says, before any sentence does
        kind = f" is {_kind_phrase(card)}" if _ASKS_KIND.search(asks) else ""
        lines.append(f"**{quoted(card.title)}** {cite(card.ref)}{session_of(card)}"
                     f"{kind}: {first}{extra}")
    return _answer("\n\n".join(lines), cards)


_MANNER_ASKED = re.compile(r"how (?!many|much|large|big|fast|long)\w", re.IGNORECASE)
_ASKS_KIND = re.compile(r"\b(orals?|spotlights?|kind|type|format|awards?|awarded|prizes?|won|"
                        r"win|winner)\b", re.IGNORECASE)


def _kind_phrase(card: Poster) -> str:
    """ "an oral (Outstanding Paper Runner-up)", "a spotlight", "a poster"."""
    kind = {"oral": "an oral", "spotlight": "a spotlight"}.get(card.kind, "a poster")
    return kind + (f" ({quoted(card.award)})" if card.award else "")


def named_answer(cards: list[Poster]) -> Answer:
    """ "Is LinkerNet in this session?" when it is: yes, and where."""
    lines = []
    for card in cards:
        kind = {"oral": "an oral", "spotlight": "a spotlight"}.get(card.kind, "a poster")
        award = f" ({quoted(card.award)})" if card.award else ""
        where = f"in {quoted(card.session)}" if card.session_label else "in this session"
        lines.append(f"Yes: **{quoted(card.title)}** {cite(card.ref)} is {kind}{award} "
                     f"{where}.")
    return _answer("\n".join(lines), cards)


def not_in_session(name: str, related: list[Poster]) -> Answer:
    """A named paper the session does not have: a plain no, and related posters apart."""
    text = f"{CANNOT_ANSWER} No poster in this session is called “{quoted(name)}”."
    return _answer(text, [], abstained=True, related=related)


def _result_weight(sentence: str, before_method: bool) -> float:
    """How plainly a sentence states a finding or an outcome; 2 or more is a result."""
    own = bool(_OWN_FINDING.search(sentence))
    if before_method and not own:  # "X has achieved ...", before the paper says what it does
        return 0.0
    weight = (3.0 * bool(_OUTCOME.search(sentence)) + 3.0 * own
              + 1.0 * bool(_CLAIMS_THAT.search(sentence))
              + 2.0 * bool(_FINDING.search(sentence) and not own)
              + 1.0 * bool(_SUPPORT.search(sentence)))
    if own:  # "we show that current methods fail": a finding, about others'
        weight -= 1.0 * bool(_SHORTFALL.search(sentence))
    else:
        weight -= 3.0 * bool(_BACKGROUND.search(sentence)) + 2.5 * bool(
            _SHORTFALL.search(sentence))
    # A hope; a finding the abstract adds ("we also show") after its main one; a finding
    # before the method ("However, we observe that X fails"), which motivates it and is the
    # result only when no finding follows.
    return (weight - 3.0 * bool(_HEDGE.search(sentence))
            - 1.5 * bool(_SECONDARY.search(sentence)) - 2.0 * before_method)


def aspects(abstract: str) -> dict[str, str]:
    """The problem, method and result sentences of an abstract (extractive); "" for a role
    no sentence plays: a wrong label misleads more than a missing one. A question is never
    a method or a result; it may be the problem ("How could we ...?")."""
    sentences = split_sentences(abstract) or [abstract]
    usable = [i for i, s in enumerate(sentences) if not is_question(s)
              and not _POINTER.search(s)]
    # What the paper proposes, said before its results; else what it does; else nothing.
    candidates = [i for i in usable if not _BACKGROUND.search(sentences[i])
                  and not _CLAIMS_THAT.search(sentences[i])]
    proposed = [i for i in candidates if _METHOD.search(sentences[i])]
    done = [i for i in candidates if _APPROACH.search(sentences[i])
            and not _OUTCOME.search(sentences[i]) and not _OWN_FINDING.search(sentences[i])]
    # ("Additionally, we introduce a benchmark" after the results is not the method.)
    first_result = min((i for i in usable if _result_weight(sentences[i], False) >= 2
                        and i not in proposed and i not in done), default=len(sentences))
    method = next((i for i in proposed if i < first_result),
                  next((i for i in done if i < first_result),
                       proposed[0] if proposed else done[0] if done else None))
    start = method if method is not None else first_result
    # The plainest result; of equals, the later (abstracts end on their results).
    scored = [(_result_weight(sentences[i], i < start), i) for i in usable if i != method]
    weight, result = max(scored, default=(0.0, 0))
    result = result if weight >= 2 else None
    if result is None and method is not None:
        # No sentence states a finding plainly; the last one after the method that reports
        # its evidence in two ways does ("superior fidelity ... through comprehensive
        # experiments", "competitive ... in numerical experiments"), unless it only plans it
        # ("test ... on benchmark datasets to evaluate its effectiveness").
        reported = [i for i in usable if i > method and _result_weight(sentences[i], False) >= 1
                    and len({w.lower()[:5] for w in _SUPPORT.findall(sentences[i])}) >= 2
                    and not re.search(r"\bto (?:evaluate|validate|verify|test|assess|"
                                      r"demonstrate)\b", sentences[i], re.IGNORECASE)]
        result = reported[-1] if reported else None
    # The problem: the first challenge, gap or question ("How could we ...?") stated before
    # the method (just after it when the abstract opens with the method); else the opening
    # sentence, when it is context.
    before = range(start) if start > 0 else range(1, min(3, len(sentences)))
    gaps = [i for i in before if i != result and not _OWN_FINDING.search(sentences[i])
            and (_GAP.search(sentences[i]) or is_question(sentences[i]))]
    problem = gaps[0] if gaps else 0 if start > 0 and result != 0 else None
    return {role: sentences[i] if i is not None else ""
            for role, i in (("problem", problem), ("method", method), ("result", result))}


def unknown_affiliation(organisation: str) -> Answer:
    """Posters asked for by an organisation: the session page lists authors, not where they
    work, so no count or list would be true."""
    return Answer(answer=f"The session page lists each poster's authors but not their "
                  f"affiliations, so I cannot tell which posters are from {organisation}. Ask "
                  "by an author's name (*posters by ...*) or by a topic.", citations=[],
                  sources=[], abstained=True)


def chat_answer(posters: int, place: str = "", asks: str = "") -> Answer:
    """A message that is not about the posters (thanks, "who are you?", "when is lunch?"):
    what the assistant can do, citing nothing (no board number either: an example board
    would read as a citation). `place`: where the session is, when that was asked and the
    session page says it. `asks`: "language" for a question in another language,
    "rating:<words>" for a ranking the page cannot give ("the most cited")."""
    if asks == "thanks":
        return Answer(answer="You're welcome. Ask me anything else about the posters of this "
                      "session: a topic, a board number or an author.", citations=[],
                      sources=[], abstained=True)
    if asks == "language":
        return Answer(answer="I read questions in English only: the posters and their search "
                      "are in English. Ask me in English, for instance *which posters are "
                      "about reinforcement learning?*, a board number or an author.",
                      citations=[], sources=[], abstained=True)
    if asks.startswith("rating:"):
        return Answer(answer=f"{no_ranking(asks)} Ask me about a topic and I list the posters "
                      "about it; the session page marks its orals, spotlights and awards "
                      "(*which posters won an award?*).", citations=[], sources=[],
                      abstained=True)
    if place:
        return Answer(answer=f"The session is in {place}, as its page says (the page gives "
                      "no time). Ask me about its posters: a topic, a board number or an "
                      "author.", citations=[], sources=[], abstained=True)
    return Answer(answer=f"I answer questions about the {posters} posters of this session and "
                  "cite the boards to walk to: ask about a topic (*which posters are about "
                  "federated learning?*), a board number, an author, or *what's in this "
                  "session?*. Anything else, the venue or the programme, is not in the "
                  "posters.", citations=[], sources=[], abstained=True)


def versus_answer(first: tuple[str, Answer], second: tuple[str, Answer]) -> Answer:
    """Two topics counted side by side ("more on RL or on diffusion?"): both numbers first,
    which is larger, then each count's own answer. A poster about both is in both counts."""
    (a, one), (b, two) = first, second
    n, m = len(one.results), len(two.results)
    verdict = (f"more on “{quoted(a)}”" if n > m else f"more on “{quoted(b)}”" if m > n
               else "as many on each")
    both = len(set(one.results) & set(two.results))
    shared = f" ({both} about both)" if both else ""
    head = (f"**{n}** about “{quoted(a)}” and **{m}** about “{quoted(b)}”{shared}: "
            f"{verdict}.")
    answer = Answer(answer="\n\n".join([head, one.answer, two.answer]),
                    citations=list(dict.fromkeys([*one.citations, *two.citations])),
                    sources=[*one.sources, *(s for s in two.sources
                                            if (s.ref or s.board) not in one.citations)],
                    abstained=one.abstained and two.abstained)
    answer.results = list(dict.fromkeys([*one.results, *two.results]))
    answer.decided_by = "; ".join(x for x in (one.decided_by, two.decided_by) if x)
    return answer


def no_ranking(asks: str) -> str:
    """What the page cannot rank by, said: asks is "rating:most cited"."""
    return (f"The session page gives no citation counts, ratings or attendance, so I cannot "
            f"say which poster is “{asks.removeprefix('rating:')}”.")


def ranked_anyway(answer: Answer, asks: str) -> Answer:
    """An answer to "the most practical poster on X": the posters about X, said to be no
    ranking."""
    if not asks.startswith("rating:") or not answer.citations:
        return answer
    return replace(answer, answer=f"{no_ranking(asks)} These are the posters about it, not "
                   f"ranked by that:\n\n{answer.answer}")


def where_answer(cards: list[Poster], place: str = "") -> Answer:
    """ "Where is it?": each poster's board, which is where it hangs."""
    hall = f" in {place}" if place else ""
    kind = {"oral": "an oral", "spotlight": "a spotlight"}
    lines = [f"**{quoted(c.title)}** {cite(c.ref)} is {kind.get(c.kind, 'a poster')}{hall}: "
             "its board has the number cited." for c in cards]
    return _answer("\n".join(lines), cards)


def nearby_answer(source: Poster, neighbours: list[Poster]) -> Answer:
    """The posters on the boards around one: board numbers are the floor's order (the page
    gives no floor plan)."""
    if not neighbours:
        return _answer(f"No other poster of this session is near {cite(source.ref)}.",
                       [source])
    lines = [poster_line(c, contribution_sentence("", c.abstract)) for c in neighbours]
    intro = (f"The boards next to **{quoted(source.title)}** {cite(source.ref)}, by board "
             "number (the page gives no floor plan; neighbouring numbers usually stand side "
             "by side):")
    return _answer("\n".join([intro, *lines]), [source, *neighbours])


def compare_answer(cards: list[Poster]) -> Answer:
    """Posters side by side: each one's problem, method and result, cited."""
    blocks = []
    for card in cards:
        parts = aspects(card.abstract)
        lines = [f"**{quoted(card.title)}** {cite(card.ref)} ({card.kind})"]
        lines += [f"- {label.capitalize()}: {quoted(text)}" for label, text in parts.items()
                  if text]
        blocks.append("\n".join(lines))
    if len(cards) == 1:  # "compare the first two" after an answer that showed one poster
        return _answer(f"There is only one poster to compare, {cite(cards[0].ref)}; name "
                       "a second one (a board number or a title) to compare it with.\n\n"
                       + blocks[0], cards)
    return _answer("Side by side:\n\n" + "\n\n".join(blocks), cards)


def similar_answer(source: Poster, cards: list[tuple[Poster, float]]) -> Answer:
    if not cards:
        return _answer(f"{CANNOT_ANSWER} No other poster is close to {cite(source.ref)}.",
                       [], abstained=True)
    lines = [poster_line(c, contribution_sentence(source.title, c.abstract))
             for c, _ in cards]
    intro = f"Posters closest to **{quoted(source.title)}** {cite(source.ref)}:"
    answer = _answer("\n".join([intro, *lines]), [source, *(c for c, _ in cards)],
                     [1.0, *(s for _, s in cards)])
    # The poster asked about is named, but the answer is its neighbours.
    answer.citations = answer.results = [c.ref for c, _ in cards]
    return answer


def count_answer(topic: str, subject: str, cards: list[tuple[Poster, float]],
                 shown: int) -> Answer:
    """The number first, then the posters (the first `shown` of them). `subject` follows the
    number: "oral posters" (a count of a filter), or for a topic, "" for "N posters are
    about “topic”" with `topic` given."""
    n = len(cards)
    if topic:
        noun, verb = ("poster", "is") if n == 1 else ("posters", "are")
        head = f"**{n}** {noun} {verb} about “{quoted(topic)}”{subject}"
    else:
        head = f"**{n}** {subject}"
        kinds = Counter(c.kind for c, _ in cards)
        if len(kinds) > 1:  # "391 posters (11 orals, 45 spotlights, 335 posters)"
            head += " (" + ", ".join(counted(kinds[k], k) for k in sorted(
                kinds, key=lambda k: (kinds[k], k))) + ")"
    head += ":" if n else "."
    lines = [poster_line(c, best_sentence(topic, c.abstract, c.title) if topic else
                         contribution_sentence(c.title, c.abstract))
             for c, _ in cards[:shown]]
    cited = cards
    if n - shown > REST_LISTED:  # not a wall of board numbers: the way to see them
        lines.append(f"… and {n - shown} more: ask “show me more”, or narrow by kind, board "
                     "range or topic.")
        cited = cards[:shown]
    elif n > shown:
        lines.append(f"… and {n - shown} more: "
                     + ", ".join(cite(c.ref) for c, _ in cards[shown:]))
    answer = _answer("\n".join([head, *lines]), [c for c, _ in cited], [s for _, s in cited])
    answer.results = [c.ref for c, _ in cards]
    return answer


REST_LISTED = 48  # a count's posters beyond those shown are listed by board up to this many


def listing(intro: str, topic: str, cards: list[tuple[Poster, float]],
            shown: int | None = None) -> Answer:
    """Posters a filter selects (an author's, the orals, a board range), each with a line:
    the first `shown` of them (all by default), and how to see the rest."""
    some = cards if shown is None else cards[:shown]
    lines = [poster_line(c, best_sentence(topic, c.abstract, c.title) if topic else
                         contribution_sentence(c.title, c.abstract)) for c, _ in some]
    if len(cards) > len(some):
        lines.append("\n" + _showing(len(some), str(len(cards))))
    answer = _answer("\n".join([intro, *lines]), [c for c, _ in some], [s for _, s in some])
    answer.results = [c.ref for c, _ in cards]
    return answer


def topic_answer(asks: str, scored: list[tuple[Poster, float]], shown: int,
                 intro: str = "") -> Answer:
    """Posters about a topic: the first `shown`, each with the sentence that answers `asks`
    (the question as asked: "how much ..." wants the sentence with the figure); `results`
    holds them all."""
    answer = extractive_answer(asks, scored[:shown], intro=intro)
    answer.results = [card.ref for card, _ in scored]
    if len(scored) > shown and not answer.abstained:  # say that the list goes on
        answer.answer += "\n\n" + _showing(shown, f"{len(scored)} posters found")
    return answer


def _showing(shown: int, found: str) -> str:
    """The line under a list cut short: how many of how many, and how to see the rest."""
    return f"_Showing {shown} of the {found}; ask “show me more” for the rest._"


def uncovered(topic: str, related: list[Ref], *, within: str = "",
              absent: Sequence[str] = (), subject: str = "",
              unheard: Sequence[str] = ()) -> Answer:
    """The session does not cover `topic`: say why, by the first evidence given, and offer
    the `related` posters apart from the answer (never citations). The evidence: the posters
    the filters admit (`within`, in words), the topic's qualifiers none of the posters about
    the rest mentions (`absent`), the subject part the related posters are about (`subject`),
    the question's words no poster uses (`unheard`)."""
    reason = ""
    if within:
        reason = f"None of the {within} seems to be about “{topic}”."
    elif absent:
        # Before the aspects: the subject part may hold the missing word ("1-bit").
        reason = (f"No poster here is about “{topic}”: none of those about the rest "
                  f"mentions {' or '.join(f'“{w}”' for w in absent)}; these are related.")
    elif subject:  # the subject is here, a qualifier is not
        reason = (f"No poster here is about “{topic}”; the related posters are about "
                  f"“{subject}”.")
    elif unheard:
        reason = (f"No poster here mentions {' or '.join(f'“{w}”' for w in unheard)}; "
                  "the related posters share the rest of the question.")
    answer = abstain(reason)
    answer.related = related
    return answer


def none_admitted(scope: str) -> Answer:
    """No poster passes the filters ("which are spotlights?" of an answer that has none):
    said plainly, not a heading over an empty list."""
    return replace(abstain(), answer=f"There are no {scope}.")


def nothing_more() -> Answer:
    """ "show me more" after an answer that showed all it found: nothing is left, and that
    is no gap in the session."""
    return replace(abstain(), answer="The previous answer already showed every poster it "
                   "found; ask about another topic, or widen the filters.")


def no_board(missing: Sequence[str], boards: Sequence[int]) -> Answer:
    """Boards a question names that the session does not have (`boards`: those it has)."""
    boards = sorted(boards)
    return abstain(f"There is no board {', '.join(missing)} in this session "
                   f"(boards run from #{boards[0]} to #{boards[-1]}).")


def shown_anyway(answer: Answer, hidden: list[Ref], where: PosterFilter) -> Answer:
    """An answer about posters the question names though the user's filters hide them:
    it says that they are outside the filters."""
    if not hidden:
        return answer
    names = " and ".join(ref_text(r) for r in hidden)
    verb = "is" if len(hidden) == 1 else "are"
    return replace(answer, answer=f"{names} {verb} outside your filters "
                   f"({describe_filter(where)}); shown anyway.\n\n{answer.answer}")


def scope(plan: Plan, count: int = 2) -> str:
    """The posters a plan's filters admit, in words: "oral posters on boards #300-#350"."""
    # the kind that is neither oral nor spotlight is a "regular" poster
    kinds = " and ".join(sorted("regular" if k == "poster" else k for k in plan.kinds)
                         ) if plan.kinds else ""
    noun = f"{kinds} posters".strip() if count != 1 else f"{kinds} poster".strip()
    parts = [noun]
    # Board numbers in words a reader (and the citation guard) does not take for a citation.
    if plan.board_min is not None and plan.board_max is not None:
        parts.append(f"in the board range {plan.board_min}–{plan.board_max}")
    elif plan.board_min is not None:
        parts.append(f"in the board range from {plan.board_min}")
    elif plan.board_max is not None:
        parts.append(f"in the board range up to {plan.board_max}")
    if plan.authors:
        parts.append("by " + " and ".join(plan.authors))
    if plan.award:
        parts.append("with an award")
    if plan.in_title:
        parts.append(f"with “{plan.topic}” in the title")
    if plan.within is not None:
        parts.append("of the previous answer")
    if plan.excluding:
        parts.append(f"not about “{plan.excluding}”")
    return " ".join(parts)


def describe_filter(where: PosterFilter) -> str:
    """The user's filters in words: "board range 100–300, oral posters only"."""
    parts = []
    if where.board_min is not None or where.board_max is not None:
        lo = "" if where.board_min is None else str(where.board_min)
        hi = "" if where.board_max is None else str(where.board_max)
        # Worded as scope() words it: the citation guard takes "boards 100" for a reference.
        parts.append(f"board range {lo}–{hi}" if lo and hi else
                     f"board range from {lo}" if lo else f"board range up to {hi}")
    if where.kinds is not None:
        parts.append(" and ".join(sorted(where.kinds)) + " posters only")
    if where.session is not None:
        parts.append(f"session {where.session}")
    if where.boards is not None:
        parts.append("the posters you chose")
    return ", ".join(parts) or "none"

