"""Search: the posters that answer a topic within a filter, over one opened generation.

`Search` ranks candidates (dense and BM25, fused), keeps those relevant enough to cite
(`relevant`: the gate, then `Grounding`'s judgement of what the topic is about), and finds
posters by a plan's filters, by board, or by nearness to another poster.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, NamedTuple

from assistant.catalog import CardIndex, index_cards
from assistant.grounding import (
    SHORT_TOPIC,
    Grounding,
    abstention,
    conjoined,
    content_stems,
    is_name,
)
from assistant.opened import OpenedStore, term_set
from assistant.poster import Poster, PosterKey
from assistant.relevance import SUPPORT_BARS, denied_or_said, qualified, supports
from assistant.retrieve import Candidate, PosterFilter, fuse_rankings
from assistant.text import counted
from assistant.understand import Plan, alternatives, examples_of, names_examples

if TYPE_CHECKING:
    from assistant.settings import Settings

_POOL = 30  # candidates each ranker contributes


class Relevance(NamedTuple):
    """Which posters answer a topic, and why: `why` names the evidence that decided (the eval
    report shows it for every false abstention and every near miss answered)."""

    candidates: list[Candidate]  # ranked, before the relevance gate
    kept: list[Candidate]  # relevant enough to cite
    abstains: bool
    why: str


# Endings of a noun that names a task or an action ("classification", "tracking",
# "enhancement", "analysis").
_TASK_ENDINGS = ("ing", "ion", "ment", "sis", "ance", "ence")


def shared_head(parts: list[str]) -> list[str]:
    """A list of tasks under one subject names it once, with the first: "time series
    forecasting, classification, change points" asks for time series classification, not
    every classification poster. A later alternative that is one task noun of English
    (`_TASK_ENDINGS`; not a name such as "TDA", nor a kind such as "aerial" of "remote sensing
    satellite / aerial") takes the first alternative's words but its last."""
    head = parts[0].split()[:-1]
    if len(parts) < 2 or not head:
        return parts
    return [parts[0], *(f"{' '.join(head)} {p}" if len(p.split()) == 1 and not is_name(p)
                        and p.lower().endswith(_TASK_ENDINGS) else p for p in parts[1:])]


@dataclass
class Search:
    """Finding posters for a plan and a filter, over one generation of the store."""

    opened: OpenedStore
    settings: Settings
    embedder: Any
    grounding: Grounding = field(init=False)

    def __post_init__(self) -> None:
        self.grounding = Grounding(self.opened, self.embedder)

    def candidates(self, question: str, where: PosterFilter, retriever: str) -> list[Candidate]:
        """Ranked candidates with each ranker's score; `retriever` decides the order."""
        dense = dict(self.opened.index.dense(question, _POOL, where))
        bm25 = dict(self.opened.index.bm25(question, _POOL, where))
        orders = {"dense": [list(dense.items())], "bm25": [list(bm25.items())],
                  "hybrid": [list(dense.items()), list(bm25.items())]}
        fused = fuse_rankings(orders[retriever])
        return [Candidate(key, score, dense.get(key, 0.0), bm25.get(key, 0.0))
                for key, score in fused]

    def relevant(self, query: str, where: PosterFilter, retriever: str) -> Relevance:
        """The candidates, those relevant enough to cite, whether to abstain, and why. A
        disjunction ("speech or audio") is each of its topics in turn: a poster about either
        answers."""
        parts = shared_head(alternatives(query))
        if len(parts) == 1:
            one = self._relevant_one(query, where, retriever)
            # Two things of one field joined by "and" ("chemistry and molecules") dilute
            # each other's words and meaning: when the whole abstains, each is asked alone.
            parts = self.grounding.things(query) if one.abstains else []
            if not parts:
                return one
        found = [self._relevant_one(part, where, retriever) for part in parts]
        examples = names_examples(query)
        if examples:
            found = self._of_the_topic(query, parts, found)
        best: dict[PosterKey, Candidate] = {}
        for one in found:
            for c in one.candidates:
                if c.key not in best or c.fused > best[c.key].fused:
                    best[c.key] = c
        votes = Counter(c.key for one in found if not one.abstains for c in one.kept)
        # A topic with examples: the posters found for more of its parts come first (the
        # topic and an example, before an example alone).
        merged = sorted(best.values(), key=lambda c: (-votes[c.key] if examples else 0,
                                                      -c.fused))
        kept = set(votes)
        return Relevance(merged, [c for c in merged if c.key in kept],
                         all(one.abstains for one in found),
                         "; ".join(f"“{part}”: {one.why}" for part, one in zip(parts, found,
                                                                              strict=True)))

    def _of_the_topic(self, query: str, parts: list[str],
                      found: list[Relevance]) -> list[Relevance]:
        """An example answers as an example of the topic ("text-to-image generation
        (faithfulness, editing, fine-tuning)"): a poster found for "fine-tuning" that is far
        in meaning from text-to-image generation (`SupportBars.example`) is not kept. An
        example few posters carry (`SupportBars.rare`) is a subject of its own."""
        head = alternatives(examples_of(query)[0])
        if len(head) >= len(parts) - 1:
            return found
        judged = list(found)
        own = [c for one in found[:len(head)] for c in one.kept]
        # each poster's closeness to the topic itself, its parts embedded once
        seen = list({c.key: c for one in found for c in one.kept}.values())
        near = dict(zip((c.key for c in seen), self.grounding.closeness(head, seen),
                        strict=True))
        # as close as the topic's own posters nearly are (`SupportBars.far` of the best)
        floor = max([SUPPORT_BARS.example, *(SUPPORT_BARS.far * near[c.key] for c in own)])
        for i in range(len(head), len(parts) - 1):  # the examples: after the head, before the whole
            kept = found[i].kept
            if not kept or self.grounding.carried_share(parts[i]) <= SUPPORT_BARS.rare:
                continue  # a specific example ("sharpness", "MILP") is a subject of its own
            judged[i] = found[i]._replace(kept=[c for c in kept if near[c.key] >= floor])
        return judged

    def leaving_out(self, excluding: str, found: Relevance) -> Relevance:
        """The posters found, without those that say what the question leaves out ("not
        about images"): a poster that says it only to deny it ("gradient-free", "does not
        require gradients") stays, as the answer to "which one doesn't need gradients?".
        When every poster kept says it, there is nothing to cite."""
        terms = content_stems(excluding)
        if not terms:
            return found

        # an acronym left out is said by a poster writing it or its long form ("not GNNs":
        # "graph neural networks"), and the reverse (`OpenedStore.plain`)
        spelt = content_stems(self.opened.spelt(excluding))

        def says(c: Candidate) -> bool:
            text = self.opened.plain(c.key)[0]
            return denied_or_said(terms, text)[0] or bool(
                spelt and denied_or_said(spelt, text)[0])

        kept = [c for c in found.kept if not says(c)]
        why = f"{found.why}; {counted(len(found.kept) - len(kept), 'poster')} left out for " \
              f"saying “{excluding}”"
        return Relevance(found.candidates, kept, found.abstains or not kept, why)

    def _near_the_carriers(self, query: str, kept: list[Candidate],
                           carriers: list[Candidate]) -> list[Candidate]:
        """Within a set the user narrowed, the gate passes the set's best few, however far:
        one that neither carries the topic, nor is about it, nor is close in meaning to the
        posters that carry it (`SupportBars.core`) or to the question (`SupportBars.far` of
        the closest carrier's cosine) is padding ("any spotlight on graph neural networks?":
        a Bayesian-network and a kernel-graph poster)."""
        flags = self.grounding.about_each(query, kept)
        if flags is None:
            return kept
        near = self.grounding.closeness_to(carriers, kept)
        close = SUPPORT_BARS.far * max(c.cosine for c in carriers)
        return [c for c, on, x in zip(kept, flags, near, strict=True)
                if on or c in carriers or x >= SUPPORT_BARS.core or c.cosine >= close]

    def _relevant_one(self, query: str, where: PosterFilter, retriever: str) -> Relevance:
        candidates = self.candidates(query, where, retriever)
        evidence = self.grounding.evidence(query, candidates)
        abstains, why = abstention(evidence, self.settings)
        kept = self.gate(candidates)
        # Posters that carry every term of the topic answer it, even when a short topic's
        # cosine is low: within a set the user narrowed (the 11 orals, one author's posters),
        # and for a topic that is one rare name ("MuJoCo", "EEG", "ImageNet"), however far
        # the posters' meaning is from the bare word's. A common English word ("hands") is no
        # name: its idioms ("on the other hand") would count.
        terms = term_set(query)
        narrowed = where != PosterFilter(session=where.session)
        rare_name = self.grounding.rare_name(query)
        if narrowed or rare_name:
            carriers = [c for c in candidates if terms and terms <= self.opened.terms(c.key)]
            # Within the filters, carrying the words is no membership when they are said in
            # passing, far in meaning: a carrier the gate did not pass must be about the topic
            # (its title, first or contribution sentence, or twice: `Grounding.about_each`),
            # not a sequence model's "causal" masking among the orals asked about causality.
            # A rare name's posters are all that write it, however they use it ("MuJoCo").
            flags = self.grounding.about_each(query, carriers) if narrowed else None
            if flags:
                carriers = [c for c, on in zip(carriers, flags, strict=True)
                            if on or c in kept]
            if narrowed and carriers:
                kept = self._near_the_carriers(query, kept, carriers)
            if carriers:
                return Relevance(candidates, (kept + [c for c in carriers if c not in kept]
                                              if narrowed else carriers), False,
                                 f"{counted(len(carriers), 'poster')} "
                                 f"{'carries' if len(carriers) == 1 else 'carry'} every term"
                                 + (" within the filters" if narrowed else " of the rare name"))
        if abstains and narrowed and kept and evidence.top_cosine >= self.settings.min_relevance:
            # Between the bars within a set the user narrowed (the 11 orals): the session-wide
            # evidence is weak for any small set; the gated posters about the subject answer.
            flags = self.grounding.about_each(query, kept)  # None: not a topic to judge so
            about = [c for c, on in zip(kept, flags or [False] * len(kept), strict=True) if on]
            if about:
                return Relevance(candidates, about, False, f"{why}; within the filters, "
                                 f"{counted(len(about), 'poster')} about it")
        if abstains or not kept:
            return Relevance(candidates, [], True, why)
        # A poster whose own main subject is the topic (its title and its first or
        # contribution sentence say it) is about it, however far the rankers put it: an
        # "Object Detection" title the question's wording did not bring close.
        owned = self.grounding.about_each(query, candidates, own=True) or [False] * len(
            candidates)
        titled = [c for c, own in zip(candidates, owned, strict=True) if own and c not in kept]
        if titled:
            kept = kept + titled
            why += f"; {counted(len(titled), 'poster')} more whose title and claims say it"
        # A poster that stands out (`Grounding.standout`) is the one a question describes in
        # its own words: a word no poster uses, or an aspect its text words otherwise, is the
        # question's wording, not a subject the session lacks.
        lone = self.grounding.standout(candidates, self.settings.sure_relevance)
        # one poster described: it stands out, or is clearly ahead in meaning
        described = lone is not None or evidence.gap >= self.settings.clear_gap
        missing = self.grounding.unheard(query)
        if missing and lone is None:
            return Relevance(candidates, [], True, f"no poster uses “{missing[0]}” ({why})")
        if missing and lone is not None:
            return Relevance(candidates, [lone], False, f"no poster uses “{missing[0]}”, but "
                             f"{self._stands_out(lone, candidates)} ({why})")
        # A subject with qualifiers ("NeRF for underwater scenes"): a poster about the subject
        # alone does not answer; when none supports every aspect, they become related.
        parts = self.grounding.aspects(query)
        several = len(kept) > 1  # the gate's choice, before the aspects narrow it
        if qualified(parts):
            support = self.grounding.aspect_support(parts, kept)
            kept = [c for c, one in zip(kept, support, strict=True) if supports(one)]
            if not kept and lone is not None:
                return Relevance(candidates, [lone], False, "no poster supports every aspect "
                                 f"of {' + '.join(f'“{p}”' for p in parts)}, but "
                                 f"{self._stands_out(lone, candidates)} ({why})")
            if not kept:
                return Relevance(candidates, [], True, f"no poster supports every aspect of "
                                 f"{' + '.join(f'“{p}”' for p in parts)} ({why})")
            why += f"; {len(kept)} support every aspect"
        # A short topic's specific words must each be carried by some poster it cites
        # ("binary quantized diffusion models": the quantized diffusion poster never says
        # binary); and a poster far less carried than the best-supported one is about a word
        # of the topic, not the topic.
        if len(term_set(query)) <= SHORT_TOPIC:
            supported = self.grounding.supported(query, kept)
            if absent := self.grounding.unsupported(query, supported, several,
                                                    described=described):
                return Relevance(candidates, [], True, f"no poster about the rest mentions "
                                 f"“{absent[0]}” ({why})")
            # A topic of several things ("generation & editing", "prompt tuning / learnable
            # prompts") is answered by a poster about any of them, which carries only its
            # own terms: none is trimmed for lacking the others'.
            whole = (kept if conjoined(query) else self.grounding.closer(
                query, kept, self.grounding.carrying(query, supported)))
            if len(whole) < len(kept):
                why += (f"; {len(kept) - len(whole)} left out for carrying far less of the "
                        "topic's terms than the best-supported poster or not its rare "
                        "qualifier")
                # The qualifier that only a poster left out carried is said by none cited
                # ("LLMs to do time series forecasting": the LLM poster is not about
                # forecasting, the forecasting posters use no LLM).
                if absent := self.grounding.unsupported(query, whole, several,
                                                        described=described):
                    return Relevance(candidates, [], True, f"no poster about the rest "
                                     f"mentions “{absent[0]}” ({why})")
            kept = whole
            # A poster that does not say a short subject, far from it in meaning and from the
            # posters that do say it, is about one of its words ("continual" read in a poster
            # saying "continuous"; "state" and "space" in a planning poster).
            near = self.grounding.near_core(query, candidates, kept)
            if len(near) < len(kept):
                why += (f"; {len(kept) - len(near)} not saying the subject and far in meaning "
                        "from the posters that do left out")
                kept = near
        return Relevance(candidates, kept, False, why)

    def _stands_out(self, lone: Candidate, candidates: list[Candidate]) -> str:
        """The evidence that one poster stands out, in words."""
        second = max(c.cosine for c in candidates if c is not lone)
        return (f"#{self.opened.index.cards[lone.key].board} stands out (first for both "
                f"rankers, cosine {lone.cosine:.2f}, {lone.cosine - second:.2f} ahead)")

    def gate(self, candidates: list[Candidate]) -> list[Candidate]:
        """Posters to cite: close in meaning to the best one, or strong on its words."""
        if not candidates:
            return []
        s = self.settings
        top_cosine = max(c.cosine for c in candidates)
        top_bm25 = max(c.bm25 for c in candidates) or 1.0
        bar = max(s.cite_floor, top_cosine * s.relative_bar)
        return [c for c in candidates if c.cosine >= bar or (
            c.bm25 >= top_bm25 * s.relative_bm25_bar and c.cosine >= s.lexical_cite_floor)]

    def admitted(self, where: PosterFilter) -> list[tuple[Poster, float]]:
        return [(c, 1.0) for c in sorted(self.opened.cards, key=lambda c: c.board)
                if where.admits(c)]

    def plan_filter(self, plan: Plan, where: PosterFilter) -> PosterFilter:
        where = plan.poster_filter(where)
        if plan.award:
            awarded = frozenset(c.ref for c in self.opened.cards if c.award)
            where = replace(where, boards=awarded if where.boards is None
                            else where.boards & awarded)
        if plan.in_title:
            wanted = term_set(plan.topic)
            titled = frozenset(c.ref for c in self.opened.cards
                               if wanted <= self.opened.title_terms(c.ref))
            where = replace(where, boards=titled if where.boards is None
                            else where.boards & titled)
        return where

    def named_cards(self, plan: Plan, where: PosterFilter) -> list[Poster]:
        """The posters the plan names. A board several sessions reuse ("#812") names each
        session's poster, or only the filter's session's when it has one."""
        cards: list[Poster] = []
        for board in plan.boards:
            found = self.opened.index.posters_on(board)
            inside = [c for c in found if c.session == where.session]
            cards += [c for c in (inside if len(found) > 1 and inside else found)
                      if c not in cards]
        return cards

    def similar(self, card: Poster, where: PosterFilter, k: int) -> list[tuple[Poster, float]]:
        """The posters nearest to one poster by its stored vector, itself excluded."""
        key = card.key
        found = self.opened.index.nearest(key, where, limit=k + 1)
        close = [(self.opened.index.cards[other], score) for other, score in found if other != key]
        if not close:
            return []
        bar = max(self.settings.cite_floor, close[0][1] * self.settings.summary_relative_bar)
        return [(c, s) for c, s in close if s >= bar][:min(k, 6)]

    def card_index(self, where: PosterFilter) -> CardIndex:
        """The cards a filter admits, indexed for the router; the last few are kept."""
        opened = self.opened
        with opened.card_index_lock:  # the app answers on several threads
            index = opened.card_indexes.pop(where, None) or index_cards(
                c for c in opened.cards if where.admits(c))
            opened.card_indexes[where] = index
            while len(opened.card_indexes) > 8:
                del opened.card_indexes[next(iter(opened.card_indexes))]
            return index
