"""Grounding: which posters a topic is about, by the words and meaning they carry.

`Grounding` answers, over one opened generation of the store, whether the posters a search
found are about the topic and not only near it: a rare name, a subject and its qualifiers
(`aspects`), the words no poster says (`unheard`, `unsupported`), and the evidence the
abstention decision reads (`evidence`, `should_abstain`). Search ranks; grounding judges.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant import relevance
from assistant.opened import term_set
from assistant.poster import PosterKey
from assistant.relevance import (
    AspectSupport,
    aspects,
    commonness,
    lacking,
    qualified,
    qualifier_words,
    term_share,
    together,
    trimmed,
    uncommon,
    unheard,
    unsupported,
    verb_forms,
)
from assistant.retrieve import Candidate
from assistant.text import STOPWORDS, fold, folded_words, stem, stems

if TYPE_CHECKING:
    from assistant.opened import OpenedStore
    from assistant.settings import Settings

# A topic of at most this many terms is a subject and its qualifiers; a longer one is a
# description, whose words a poster may well paraphrase (see `Grounding.unheard`).
SHORT_TOPIC = 7
# A described lookup cites, beside its best poster, only those nearly as close (cosine).
_NEARLY_AS_GOOD = 0.92
# Both rankers agree on a poster when it is first for both, `clear_gap` ahead of the second in
# cosine and this many times the second's BM25 (eval/README.md, item 9: the tuning sets'
# described lookups that agree so lead by 1.58 and more; a title lookup of an absent poster
# by 1.43).
AGREED_LEAD = 1.5


@dataclass
class Evidence:
    """What the abstention decision looks at (see eval/README.md for the calibration)."""

    top_cosine: float  # best dense cosine similarity
    top_bm25: float  # best BM25 score
    coverage: float  # share of the question's rare-term weight the best posters carry
    gap: float = 0.0  # the best cosine minus the second best
    agreed: bool = False  # the best poster by cosine is the best by BM25 too
    lead: float = 1.0  # the best poster's BM25 over the second best BM25 (read when agreed)


def should_abstain(ev: Evidence, s: Settings) -> bool:
    """Abstain unless the best poster is close in meaning, or moderately close and either
    clearly ahead of the rest or backed by matching words (a strong BM25 hit or most of the
    question's rare terms)."""
    return abstention(ev, s)[0]


def abstention(ev: Evidence, s: Settings) -> tuple[bool, str]:
    """`should_abstain`, with the evidence that decided it in words."""
    best = f"best cosine {ev.top_cosine:.2f}"
    if ev.top_cosine >= s.sure_relevance:
        return False, f"{best} >= {s.sure_relevance} (sure)"
    if ev.top_cosine < s.min_relevance:
        return True, f"{best} < {s.min_relevance} (too far)"
    if ev.gap >= s.clear_gap and ev.top_cosine >= s.clear_cosine:
        return False, f"{best}, {ev.gap:.2f} ahead of the second (clearly ahead)"
    if ev.top_bm25 >= s.min_bm25:
        return False, f"{best}, BM25 {ev.top_bm25:.1f} >= {s.min_bm25}"
    # Both rankers put one poster first, each by a margin: the poster a question describes in
    # its own words ("leaves and wood in lidar scans" for a "leaf/wood ... forest" poster),
    # neither ranker alone sure of it. A topic the session lacks leaves its rankers at odds
    # or the best poster barely ahead.
    if ev.agreed and ev.gap >= s.clear_gap and ev.lead >= AGREED_LEAD:
        return False, (f"{best}, first for both rankers, {ev.gap:.2f} ahead in cosine and "
                       f"{ev.lead:.1f}x the second's BM25 (both agree)")
    if ev.coverage >= s.min_coverage:
        return False, f"{best}, one poster carries {ev.coverage:.0%} of the rare terms"
    return True, (f"{best} between the bars, BM25 {ev.top_bm25:.1f} < {s.min_bm25}, term "
                  f"coverage {ev.coverage:.0%} < {s.min_coverage:.0%}")


def content_stems(text: str) -> list[str]:
    """The text's content words (three letters or more, no stopword) as Snowball stems."""
    return stems(" ".join(w for w in folded_words(text) if len(w) > 2 and w not in STOPWORDS))


def conjoined(topic: str) -> bool:
    """Whether a topic names several things, any of which a poster may be about ("text-to-
    image generation & editing", "prompt tuning / learnable prompts", "molecular dynamics
    and interatomic potentials")."""
    return bool(re.search(r"\b(?:or|and)\b|[/,&(]", topic))


def acted_on(part: str) -> list[str]:
    """A part split after a technical action that is no English word ("quantizing graph
    neural networks" -> "quantizing", "graph neural networks"): the action is an aspect of its
    own, which a poster about the object alone does not support. Common verbs ("improving",
    "making") say what is done in words a poster picks for itself, and split nothing; so does
    a gerund after a noun, which names a task ("dataset pruning")."""
    from assistant.embedding import word_ranks

    ranks = word_ranks()
    words = part.split()
    verbs = verb_forms(qualifier_words(part))
    if len(verbs) != len(words):  # punctuation or a compound: keep it whole
        return [part]
    # The action starts the part: after a noun it names a task ("dataset pruning, coresets").
    cuts = [i + 1 for i, (word, verb) in enumerate(zip(words, verbs, strict=True))
            if verb and 0 < i + 1 < len(words) and commonness(word, ranks) is None
            and (i == 0 or fold(words[i - 1]) in STOPWORDS)]
    if not cuts:
        return [part]
    bounds = [0, *cuts, len(words)]
    return [" ".join(words[a:b]) for a, b in itertools.pairwise(bounds) if a < b]


def is_name(word: str) -> bool:
    """Whether a one-word topic is a name rather than an English word: written with two
    capitals or more ("EEG", "MuJoCo", "COCO"), or not in the embedding model's dictionary."""
    from assistant.embedding import dictionary_words, word_ranks

    word = word.strip()
    # an inflection of an English word ("spiking": spike) is no name either
    return sum(ch.isupper() for ch in word) >= 2 or (
        fold(word) not in dictionary_words() and commonness(fold(word), word_ranks()) is None)


@dataclass
class Grounding:
    """Whether posters are about a topic, over one generation of the store; `embedder`
    embeds a topic's parts (`aspect_support`)."""

    opened: OpenedStore
    embedder: Any

    def rare_name(self, query: str) -> bool:
        """A topic that is one rare name ("MuJoCo", "EEG"): its posters are those that write
        it, however they use it."""
        terms = term_set(query)
        # The name is the word of that term, not the topic around it ("ML for molecules"
        # names molecules, which is an English word).
        words = [w for w in re.findall(r"[\w.+-]+", query) if term_set(w) == terms]
        return (len(terms) == 1 and len(words) == 1 and is_name(words[0])
                and self.opened.df.get(next(iter(terms)), 0) <= len(self.opened.cards) / 20)

    def only_about(self, topic: str, kept: list[Candidate], why: str
                   ) -> tuple[list[Candidate], str]:
        """A count's posters: those about a short subject, not those that mention it in
        passing ("state space models": 2 posters, not the 10 that say it). A list keeps them
        all (dev and new questions: lists lose more right posters than wrong ones to this)."""
        if (len(kept) < 2 or len(term_set(topic)) > SHORT_TOPIC or self.rare_name(topic)
                or qualified(self.aspects(topic))):
            return kept, why
        on_it = self.about(topic, kept)
        if len(on_it) < len(kept):
            why += f"; {len(kept) - len(on_it)} left out for mentioning the subject only in passing"
        return on_it, why

    def about(self, topic: str, kept: list[Candidate]) -> list[Candidate]:
        """The kept posters about a short subject, not mentioning it in passing
        (`assistant.relevance.about`): all of them when none is, or when the subject is more
        than a few terms (a description, which a poster words its own way)."""
        flags = self.about_each(topic, kept)
        if not flags:
            return kept
        return [c for c, on in zip(kept, flags, strict=True) if on] or kept

    def about_each(self, topic: str, kept: list[Candidate], own: bool = False
                   ) -> list[bool] | None:
        """Whether each kept poster is about a short subject (`about`); None when the topic
        is not one to judge so (alternatives, qualifiers, more than a few terms). `own`:
        whether it is each poster's own main subject (`relevance.own_subject`)."""
        if re.search(r"\bor\b|[/,(]", topic) or len(aspects(topic)) > 1:
            return None  # alternatives (a poster about one answers), or qualifiers
        words = [w for w in qualifier_words(topic) if fold(w) not in STOPWORDS]
        # An acronym beside its long form ("neural radiance fields NeRF") is either one; the
        # long form is the other words ("OoD detection" has no long form of "OoD" beside it).
        short = [w for w in words if len(caps := [ch for ch in w if ch.isupper()]) > 1
                 and "".join(caps).lower() in "".join(o[0] for o in words if o != w).lower()]
        if short:
            words = [w for w in words if w not in short]

        def terms_of(text: str) -> set[str]:
            return set(stems(relevance.joined(text)))

        every = terms_of(" ".join(words))
        if not every or len(every) > 4:
            return None
        # A title saying a subject's rare terms need not say the others: "quantizing neural
        # networks" is what "Low-bit Quantization" is about. A subject of common words only
        # is a phrase: "state space models" is not what a title with "state" is about. Of
        # several rare terms, the last names the kind of thing, the others qualify it: "Stein
        # variational gradient descent" is not what a "Kernel Stein Discrepancy" title is
        # about, nor "causal discovery" what "Causal Effect Estimation" is.
        df, n = self.opened.joined_df(), len(self.opened.cards)
        rare = [t for w in words for t in terms_of(w)
                if t in every and df.get(t, 0) <= relevance.SUPPORT_BARS.rare * n]
        specific = set(rare[-1:])
        # Or, among common words, its head (last) word unless most posters say it: "object
        # detection" is what "Unified 3D Detection Transformer" is about; "state space models"
        # not what a title with "models" is.
        head = terms_of(words[-1]) if words else set()
        if not specific and all(df.get(t, 0) <= relevance.SUPPORT_BARS.specific * n
                                for t in head):
            specific = head
        groups = [(every, specific), *((terms_of(w),) * 2 for w in short)]
        flags = []
        for c in kept:
            title, claims = self.opened.headline(c.key)
            flags.append(any(relevance.own_subject(terms, title, claims) if own else
                             relevance.about(terms, title, claims,
                                             self.opened.joined_words(c.key), rarer)
                             for terms, rarer in groups))
        return flags

    def near_core(self, topic: str, candidates: list[Candidate], kept: list[Candidate]
                  ) -> list[Candidate]:
        """The kept posters less any that is about a word of a short subject, not the subject:
        one that does not say it (`about`), is far below the best candidate in meaning
        (`SupportBars.far`), and is far in meaning from the posters that do say it (its
        cosine to the mean of their vectors below `SupportBars.core`, or below that of each
        of them to the mean of the others). Those posters are what the subject is in this
        session: "continual learning" keeps a class-incremental poster near them and drops a
        Gauss-Newton one saying "continuous"; "state space models" drops planning posters
        saying "state" and "space". Two such posters at least are needed."""
        import numpy as np

        if len(kept) < 3 or len(term_set(topic)) > SHORT_TOPIC:
            return kept
        on_it = self.about(topic, kept)
        if len(on_it) == len(kept) or len(on_it) < 2:
            return kept  # all say it, or too few do to tell what it is
        bars = relevance.SUPPORT_BARS
        top = max(c.cosine for c in candidates)
        vectors = np.asarray(self.opened.index.vectors([c.key for c in kept]), dtype=float)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(min=1e-9)
        said = [i for i, c in enumerate(kept) if c in on_it]

        def closeness(i: int) -> float:  # to the mean of the others saying it
            others = vectors[[j for j in said if j != i]].mean(axis=0)
            return float(vectors[i] @ others) / (float(np.linalg.norm(others)) or 1.0)

        # Farther from them than each poster saying it is far too, whatever the bar.
        bar = max(bars.core, min(closeness(i) for i in said))
        return [c for i, c in enumerate(kept) if c in on_it
                or c.cosine >= bars.far * top or closeness(i) >= bar]

    def things(self, topic: str) -> list[str]:
        """The things a short topic of one aspect joins with "and" / "&" ("AI for molecules
        and chemistry" -> "AI for molecules", "chemistry"; a part naming nothing specific,
        as in `aspects`, is set aside); [] for a subject with qualifiers, alternatives or
        things of more than three terms each. A poster about any of them answers."""
        if len(term_set(topic)) > SHORT_TOPIC or re.search(r"\bor\b|[/,]", topic):
            return []
        parts = [part for part in aspects(topic) if self.names_something(part)]
        if len(parts) != 1:
            return []  # a subject and its qualifiers: each must be supported
        pieces = [p.strip() for p in re.split(r"\s+(?:and|&)\s+|\s*&\s*", parts[0])]
        if len(pieces) < 2 or any(not term_set(p) or len(term_set(p)) > 3 for p in pieces):
            return []
        return pieces

    def qualifiers(self, topic: str, whole: bool = False, titled: bool = True
                   ) -> list[tuple[str, str]]:
        """The uncommon words of a short topic (`assistant.relevance.uncommon`), as written,
        each with its Snowball stem: what the posters cited for it must say. A superlative
        ("the biggest model") is what a question asks, not a subject; a word no poster of the
        session uses is `unheard`'s; a verb form (`assistant.relevance.verb_forms`) says what
        is done, which a poster words in many ways, unless it is no English word at all
        ("quantizing"). A common word several titles say ("human", "video") names a subject
        unless `titled` is false. `whole`: every content word of an aspect but its verb
        forms, common or not, and one no poster says too."""
        from assistant.embedding import word_ranks
        ranks = word_ranks()
        df = self.opened.stem_df()
        wanted = []
        words = qualifier_words(topic)
        for word, verb in zip(words, verb_forms(words), strict=True):
            plain = fold(word)
            # A verb form says what is done, which a poster words in many ways ("improve",
            # "speed up", "binding"); one that is no English word at all names a technique
            # ("quantizing", "distilling", "pruning") as its noun would.
            if (plain in STOPWORDS or len(plain) < 3 or plain.endswith("est")
                    or (verb and commonness(word, ranks) is not None)
                    or not (whole or uncommon(word, ranks) or (titled and self.titled(plain)))):
                continue
            if (not whole and re.search(r"[a-z]", plain)
                    and not any(df.get(s, 0) for s in stems(plain))):
                continue  # no poster says it at all: `unheard` speaks of it
            wanted.append((word, "".join(stems(plain.replace("-", "")))))
        return wanted

    def titled(self, word: str) -> bool:
        """Whether a common English word names subjects in this session: several titles (not
        most: `SupportBars.specific`) say it ("human", "video", "graph"), where "try",
        "explain" or "biggest" name none."""
        if word.lower().endswith(("er", "ed", "ly")):  # "better", "improved": how, not what
            return False
        terms = frozenset(term_set(word))
        said = self.opened.titles_saying(terms)
        bars = relevance.SUPPORT_BARS
        return len(terms) == 1 and bars.titles <= said <= bars.specific * len(self.opened.cards)

    def unsupported(self, topic: str, kept: list[Candidate],
                    several: bool | None = None, described: bool = False) -> list[str]:
        """The topic's qualifiers that none of the kept posters carries, when several posters
        share the rest of it: the question then picks among a subject's posters by a word none
        says ("binary", "hardware"). A lone poster kept is the one a question describes,
        perhaps in other words ("landmark guidance" for its "landmark control"); only a
        number it lacks ("1-bit" of a 4-bit poster) is never worded otherwise. `several`:
        whether the gate kept more than one poster (by default, whether `kept` has).
        `described`: one poster stands out, so a common word is the question's wording."""
        several = len(kept) > 1 if several is None else several
        wanted = self.qualifiers(topic, titled=not described)
        if not wanted or not kept:
            return []
        return [w for w in unsupported(wanted, [self.opened.plain(c.key) for c in kept])
                if several or re.search(r"\d", w)]

    def carrying(self, topic: str, kept: list[Candidate]) -> list[Candidate]:
        """The kept posters that miss none of the topic's rare qualifiers (one that few posters
        of the session carry, `SupportBars.rare`), or nearly as close in meaning as the
        closest: the others are about the rest of the topic only."""
        bars = relevance.SUPPORT_BARS
        wanted = self.qualifiers(topic)
        rare = {w for w, _ in self.rare_qualifiers(wanted)}
        if not rare or not kept:
            return kept
        top = max(c.cosine for c in kept)
        lacks = lacking(wanted, [self.opened.plain(c.key) for c in kept])
        # Closeness stands in for a rare word the posters about it write otherwise ("label
        # noise" for "noisy labels"), but not for a name (an acronym) several kept posters
        # write: "OoD detection" (five say OoD or its long form) is not a "3D detector" poster
        # close for the rest.
        names = {w for w in rare if sum(ch.isupper() for ch in w) >= 2}
        written = bool(names) and sum(not names & set(lack) for lack in lacks) >= 2
        # Nor, for a rare word several kept posters write, for a poster far in meaning from
        # them: "neural radiance fields" is not a V1-neuroscience poster close for "neural".
        writers = [c for c, lack in zip(kept, lacks, strict=True) if not rare & set(lack)]
        near = (self.closeness_to(writers, kept) if len(writers) >= 2
                else [1.0] * len(kept))
        return [c for c, lack, x in zip(kept, lacks, near, strict=True)
                if not rare & set(lack) or (c.cosine >= bars.close * top and x >= bars.core
                                            and not (written and names & set(lack)))] or kept

    def supported(self, topic: str, kept: list[Candidate]) -> list[Candidate]:
        """The kept posters that carry enough of a short topic's terms, or are nearly as
        close in meaning as the closest (`assistant.relevance.trimmed`)."""
        n = len(self.opened.cards)
        df = self.opened.stem_df()
        terms = set(content_stems(topic))
        weights = {t: math.log((n + 1) / (df.get(t, 0) + 0.5)) for t in terms}
        if len(weights) < 2 or len(kept) < 2:
            return kept
        shares = [term_share(weights, self.opened.said_stems(c.key)) for c in kept]
        keep = trimmed(shares, [c.cosine for c in kept])
        return [c for c, ok in zip(kept, keep, strict=True) if ok]

    def closer(self, topic: str, gated: list[Candidate], kept: list[Candidate]
               ) -> list[Candidate]:
        """The kept posters, and those the gate passed that carry one of the topic's rare
        qualifiers (`SupportBars.rare`) and are closer in meaning than a poster kept for its
        words: no less about it ("robot navigation": object search by a robot, closer than a
        motion-planning poster that says both words). A poster saying only a common word of
        the topic stays out ("video segmentation": not a video poster that never segments)."""
        if not kept:
            return kept
        floor = min(c.cosine for c in kept)
        # a common word ("video"), however many titles say it, re-admits no poster
        rare = self.rare_qualifiers(self.qualifiers(topic, titled=False))
        lacks = lacking(rare, [self.opened.plain(c.key) for c in gated])
        return [c for c, lack in zip(gated, lacks, strict=True) if c in kept or (
            c.cosine > floor and len(lack) < len(rare))]

    def described(self, query: str, candidates: list[Candidate], kept: list[Candidate],
                  why: str) -> tuple[list[Candidate], str]:
        """A poster described in many words (more terms than a short topic has), first for
        both rankers, is the one the question describes: cite it, and another only when it is
        nearly as close. Its neighbours share words with the description, not its subject.
        Otherwise, those carrying far less of the description's terms than the best-supported
        poster, and not nearly as close in meaning, are left out (`supported`)."""
        if len(term_set(query)) <= SHORT_TOPIC or not kept:
            return kept, why
        supported = self.supported(query, kept)
        if len(supported) < len(kept):
            why += (f"; {len(kept) - len(supported)} carrying far less of the description's "
                    "terms than the best-supported poster left out")
            kept = supported
        top = max(candidates, key=lambda c: c.cosine)
        if top is not max(candidates, key=lambda c: c.bm25) or top not in kept:
            return kept, why
        cited = [c for c in kept if c is top or c.cosine >= _NEARLY_AS_GOOD * top.cosine]
        if len(cited) < len(kept):
            why += "; first for both rankers, cited alone or with those nearly as close"
        return cited, why

    def standout(self, candidates: list[Candidate], sure: float) -> Candidate | None:
        """The poster a question describes beyond doubt, if one is: first for both rankers,
        close in meaning (`sure`, the cosine at which a question is answered), and far ahead
        of the second (`AspectBars.standout`). Its words may differ from the question's
        ("lattice crypto" for "Learning with Errors"; "evolutionary trees" for "phylogenies"),
        while a subject the session lacks leaves several posters about the rest, none far
        ahead."""
        if len(candidates) < 2:
            return None
        by_cosine = sorted(candidates, key=lambda c: -c.cosine)
        top = by_cosine[0]
        if (top is max(candidates, key=lambda c: c.bm25) and top.cosine >= sure
                and top.cosine - by_cosine[1].cosine >= relevance.ASPECT_BARS.standout):
            return top
        return None

    def unheard(self, topic: str) -> list[str]:
        """The words of a short topic that no poster of the session uses, as written in the
        question (`assistant.relevance.unheard`): "cooperative multi-agent RL on StarCraft"
        finds multi-agent posters, but none is about StarCraft."""
        if len(term_set(topic)) > SHORT_TOPIC:
            return []
        from assistant.embedding import word_ranks

        df = self.opened.df
        # A verb form of English says what is done, which a poster words its own way
        # ("telling apart leaves and wood": a "leaf/wood discrimination" poster), as in
        # `qualifiers`; a subject no poster names ("StarCraft", "soccer") is a noun.
        ranks = word_ranks()
        every = qualifier_words(topic)
        doing = {w for w, verb in zip(every, verb_forms(every), strict=True)
                 if verb and commonness(w, ranks) is not None}
        # A superlative ("the biggest model") is what a question asks of posters, not a
        # subject they are about.
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9]*", topic)
                 if len(w) >= 4 and fold(w) not in STOPWORDS and not fold(w).endswith("est")
                 and w not in doing]
        return unheard(words, lambda w: df.get(stem(fold(w)), 0) > 0,
                       self.opened.vocabulary().counts)

    def aspects(self, topic: str) -> list[str]:
        """The topic's aspects that name something specific: a part whose every term is
        common ("working on POMDPs" -> "working") qualifies nothing. A topic longer than a
        short one is a description, however its parts are joined: one aspect."""
        if len(term_set(topic)) > SHORT_TOPIC:
            return [topic]
        parts = [piece for part in aspects(topic) for piece in acted_on(part)
                 if self.names_something(piece)]
        return parts if len(parts) > 1 else [topic]

    def names_something(self, part: str) -> bool:
        """Whether a part of a topic has a term that a fifth of the posters or fewer say: one
        whose every term is common ("working") names nothing specific."""
        n, df = len(self.opened.cards), self.opened.df
        return any(df.get(t, 0) <= n / 5 for t in term_set(part))

    def rare_qualifiers(self, wanted: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The (word, stem) qualifiers that few posters of the session carry
        (`SupportBars.rare`)."""
        df, n = self.opened.stem_df(), len(self.opened.cards)
        return [(w, s) for w, s in wanted if df.get(s, 0) <= relevance.SUPPORT_BARS.rare * n]

    def carried_share(self, topic: str) -> float:
        """The share of the session's posters that carry every term of a topic."""
        terms = term_set(topic)
        if not terms:
            return 1.0
        return len(self.opened.carrying(terms)) / (len(self.opened.index.cards) or 1)

    def closeness_to(self, posters: list[Candidate], candidates: list[Candidate]
                     ) -> list[float]:
        """Each candidate's cosine to the mean of the `posters`' vectors."""
        import numpy as np

        centre = np.asarray(self.opened.index.vectors([c.key for c in posters]),
                            dtype=float).mean(axis=0)
        centre /= np.linalg.norm(centre) or 1.0
        vectors = np.asarray(self.opened.index.vectors([c.key for c in candidates]), dtype=float)
        return (vectors @ centre).tolist()

    def closeness(self, parts: list[str], candidates: list[Candidate]) -> list[float]:
        """Each candidate's poster vector's cosine to the closest of `parts`."""
        if not candidates:
            return []
        return self._part_cosines(parts, candidates).max(axis=0).tolist()

    def _part_cosines(self, parts: list[str], candidates: list[Candidate]) -> Any:
        """Each part's cosine to each candidate's poster vector: (parts x candidates)."""
        import numpy as np

        vectors = np.asarray(self.opened.index.vectors([c.key for c in candidates]), dtype=float)
        rows = []
        for part in parts:
            q = np.asarray(self.embedder.get_query_embedding(part), dtype=float)
            rows.append(vectors @ (q / (np.linalg.norm(q) or 1.0)))
        return np.asarray(rows)

    def aspect_support(self, parts: list[str],
                       candidates: list[Candidate]) -> list[AspectSupport]:
        """How well each candidate supports the weakest of the topic's `parts` (see
        `assistant.relevance`): by its words, and by its vector against each part's own."""
        import numpy as np

        weights = [self._idf_weights(part) for part in parts]
        per_part = self._part_cosines(parts, candidates)  # each part's cosine to each candidate
        dense = np.min(per_part, axis=0)
        # An aspect of several terms must have them together; its words as Snowball stems, so
        # "generating" meets a poster's "generation".
        wanted = [content_stems(part) for part in parts]

        # Or a part's words but its verb forms are each carried, wherever they stand: "storing
        # exemplars" is carried by "exemplar-free" ("storing" is how the question says it),
        # "calibrating camera intrinsics" by "camera ... intrinsic parameters"; "traffic
        # forecasting" is not carried by a poster forecasting neuron activity.
        specific = [self.qualifiers(part, whole=True) for part in parts]

        def carries(key: PosterKey, wanted_words: list[tuple[str, str]]) -> bool:
            if not wanted_words or lacking(wanted_words, [self.opened.plain(key)])[0]:
                return False
            # Two words or more must still stand together: "energy-based models for text
            # generation" is not carried by a poster saying "energy" here and "models" there.
            return len(wanted_words) == 1 or together(
                [s for word, _ in wanted_words for s in stems(fold(word))],
                self.opened.words(key))

        # Or, for an aspect of common and rare words, its rare ones (`SupportBars.rare`): they
        # name it, the common ones are how this question words it ("regret bounds": a poster
        # proving "O(sqrt T) regret"; "build agents": "communicative agents").
        naming = [self.rare_qualifiers(own) for own in specific]

        def named(key: PosterKey, rare: list[tuple[str, str]], own: list[tuple[str, str]]) -> bool:
            return 0 < len(rare) < len(own) and not lacking(rare, [self.opened.plain(key)])[0]

        def lexical(key: PosterKey, close: list[bool]) -> float:  # the weakest part's
            # A part the poster is close to in meaning is carried, however it words it: each
            # part is supported by its words or by its meaning ("separating leaves": a
            # "leaf/wood discrimination" poster; "tree lidar scans": its "Lidar ... forest").
            return min(1.0 if near or carries(key, own) or named(key, rare, own) else
                       float(together(want, self.opened.words(key))) if len(w) > 1
                       else term_share(w, self.opened.terms(key))
                       for w, want, own, rare, near in zip(weights, wanted, specific, naming,
                                                           close, strict=True))

        bar = relevance.ASPECT_BARS.dense
        return [AspectSupport(lexical(c.key, [float(p[i]) >= bar for p in per_part]),
                              float(dense[i]))
                for i, c in enumerate(candidates)]

    def _idf_weights(self, text: str) -> dict[str, float]:
        """The text's terms, each weighed by its rarity in the session (IDF)."""
        n = len(self.opened.cards)
        df = self.opened.df
        return {t: math.log((n + 1) / (df.get(t, 0) + 0.5)) for t in term_set(text)}

    def evidence(self, question: str, candidates: list[Candidate]) -> Evidence:
        if not candidates:
            return Evidence(0.0, 0.0, 0.0)
        cosines = sorted((c.cosine for c in candidates), reverse=True)
        by_bm25 = sorted(candidates, key=lambda c: -c.bm25)
        top = max(candidates, key=lambda c: c.cosine)
        second = by_bm25[1].bm25 if len(by_bm25) > 1 else 0.0
        return Evidence(cosines[0], by_bm25[0].bm25,
                        self.coverage(question, [c.key for c in candidates[:5]]),
                        cosines[0] - cosines[1] if len(cosines) > 1 else 0.0,
                        agreed=top is by_bm25[0] and top.bm25 > 0,
                        lead=top.bm25 / second if second > 0 else 1.0)

    def coverage(self, question: str, keys: list[PosterKey]) -> float:
        """IDF-weighted share of the question's terms that the best-covering poster carries."""
        weights = self._idf_weights(question)
        if not weights:
            return 0.0
        return max(term_share(weights, self.opened.terms(key)) for key in keys)
