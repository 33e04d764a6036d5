"""Summaries of a research area, and of the whole session, grouped into sub-themes.

An area is every poster the area is about, found in the whole session (not a top k): each
poster's closeness to the question and to the area's core (the centroid of the posters that
plainly name the area), whether it names the area (its words, their acronyms) and where (its
title, its first or contribution sentence), and its neighbourhood (whether its nearest posters
name the area in their titles); a poster that never names it is not in it unless it sits
among its members, close to its core (it words the area otherwise), and one that uses a word
in passing or in another sense ("graph diffusion", "Perron-Frobenius operator") sits among
posters about something else and is left out. Where the area is one word besides its
generic ones, the noun that word qualifies tells its sense (`other_sense`): "diffusion
functionals", "the diffusion map (DM)" are no diffusion models. Where the session words an
area otherwise (no title among its closest posters names it: "neuroscience" posters say brain,
neurons, fMRI), the words those posters share are its names too (`learned_names`). Where one
of an area's words names a wider field ("vision" of "3D vision": the posters that say it
alone sit far from the question), it names the area only standing with the others
(`wide_keys`), and the area's posters' shared words name it too: a sub-field's posters say
their sub-topic (NeRF, rendering) more often than its name.
The posters are clustered on their stored embeddings, each sub-theme named by a noun phrase its
posters share, most typical poster first; the overview is written by rules offline, or each
sub-theme by the LLM through the same citation guard.
"""

from __future__ import annotations

import math
import re
import weakref
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from assistant.answer import (
    CANNOT_ANSWER,
    Answer,
    card_source,
    contribution_sentence,
    quoted,
)
from assistant.citations import cite
from assistant.poster import Poster, PosterKey
from assistant.retrieve import ANY_POSTER, PosterFilter
from assistant.safe_text import readable_tex
from assistant.text import STOPWORDS, counted, split_sentences, stem

MAX_THEMES = 6
# Words that say what kind of thing an area is, not which area: "graph neural networks" is
# about graphs; "reinforcement learning" is about reinforcement.
GENERIC = frozenset("""
model models modeling modelling learning network networks method methods approach approaches
work works research posters poster paper papers technique techniques system systems task tasks
machine deep algorithm algorithms application applications problem problems field area topic
""".split())


@dataclass(frozen=True)
class AreaBars:
    """When a poster belongs to an area: a logistic score over what the poster says and how
    close it is, fitted on the dev split of the summary rows, and its cut
    (`python -m eval.calibrate --summary` refits it and leaves each area out in turn; see
    eval/README.md)."""

    # closeness to the core, the same relative to the closest poster, cosine to the question;
    # the title names the area (by its words, by its phrase); log(1 + abstract sentences that
    # do: by words, by phrase, with every word); the first sentence does; the contribution
    # sentence does; log(1 + sentences with related words); the first and the contribution
    # sentence name it by its phrase; the share of sentences that name it (by words, by
    # phrase); its neighbourhood (how many of its nearest posters name the area in their
    # titles, relative to the best placed poster); the bias. Logistic regression on the 11
    # dev areas, each area weighted equally (its naming posters in and out half each).
    weights: tuple[float, ...] = (1.12, 1.25, 1.03, 0.51, 1.6, 0.53, 1.26, -0.74, 0.16, -0.28,
                                  0.52, 0.57, -0.33, 0.05, 0.29, 1.85, -4.04)
    # leave-one-area-out on dev: recall 0.91, precision 0.85 (0.90 and 0.70 before the
    # neighbourhood); fitted on all 11: recall 0.92, precision 0.88. The cut keeps recall:
    # 0.3 gives precision 0.89 but recall 0.86 left-one-area-out.
    cut: float = 0.25
    seed_share: float = 0.8  # the core: naming posters at least this share of the best cosine


BARS = AreaBars()


@dataclass
class Theme:
    label: str
    terms: list[str]
    boards: list[int]  # every poster of the sub-theme, most typical first
    summary: str
    shown: list[int] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"label": self.label, "terms": self.terms, "boards": self.shown,
                "summary": self.summary, "count": len(self.boards), "area_boards": self.boards}


@dataclass
class Summary:
    area: str
    themes: list[Theme] = field(default_factory=list)
    boards: list[int] = field(default_factory=list)  # every poster of the area, counted
    overview: str = ""
    backend: str = "extractive"
    notice: str = ""
    header: str = ""
    examples: list[int] = field(default_factory=list)  # boards the overview cites

    @property
    def shown(self) -> list[int]:
        return [b for theme in self.themes for b in theme.shown]

    @property
    def cited(self) -> list[int]:
        """Every board the text cites: the overview's examples and the posters shown."""
        return list(dict.fromkeys([*self.examples, *self.shown]))

    def to_json(self) -> dict:
        """`boards` are the posters shown (at most --max), `count` and `area_boards` the whole
        area; the same per theme."""
        return {"area": self.area, "themes": [t.to_json() for t in self.themes],
                "boards": self.shown, "count": len(self.boards), "area_boards": self.boards,
                "header": self.header, "overview": self.overview, "backend": self.backend}

    def markdown(self) -> str:
        if not self.boards:
            return self.overview
        parts = [f"**{self.area}** across the session — {self.header}", "", self.overview]
        for theme in self.themes:
            more = len(theme.boards) - len(theme.shown)
            parts.append(f"\n**{theme.label}** ({len(theme.boards)}"
                         f"{f', {more} more not shown' if more else ''})\n{theme.summary}")
        return "\n".join(parts)


def board_ranges(boards: list[int]) -> str:
    """"#101–#103, #512, #903": runs of consecutive boards, so a visitor knows where to walk;
    a range never spans a board that is not in the list."""
    runs: list[list[int]] = []
    for board in sorted(set(boards)):
        if runs and board == runs[-1][-1] + 1:
            runs[-1].append(board)
        else:
            runs.append([board])
    return ", ".join(f"#{r[0]}" if len(r) == 1 else f"#{r[0]}–#{r[-1]}" for r in runs)


def overview_line(cards: list[Poster], shown: int | None = None) -> str:
    """"39 posters (1 oral, 5 spotlight); showing 30; boards ...": the count is the area's,
    whatever --max shows."""
    orals = sum(c.kind == "oral" for c in cards)
    spotlights = sum(c.kind == "spotlight" for c in cards)
    showing = f"; showing {shown}" if shown is not None and shown < len(cards) else ""
    return (f"{counted(len(cards), 'poster')} ({orals} oral, {spotlights} spotlight){showing}; "
            f"boards {board_ranges([c.board for c in cards])}.")


# --- the whole area -------------------------------------------------------------------------

_ACRONYM = re.compile(r"\(([A-Z][A-Za-z0-9]{1,7}?)s?\)")
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def area_parts(area: str) -> list[str]:
    """The topics an area names: "speech and audio" is speech, audio."""
    from assistant.understand import alternatives

    return [p for part in alternatives(area)
            for p in re.split(r"\s+(?:and|&)\s+", part) if p.strip()]


def key_stems(part: str) -> list[str]:
    """The stems that name a topic, its generic words ("models", "learning") left out."""
    words = [w for w in _TOKEN.findall(part.lower())
             if w not in STOPWORDS and w not in GENERIC and len(w) > 1]
    return [stem(w) for w in words] or [stem(w) for w in _TOKEN.findall(part.lower())]


def _stem_sequence(text: str) -> list[str]:
    # Hyphenated words stay whole for phrases: a "vision-language model" is no "language
    # model"; for words, their parts count too ("LLM-based" says LLM). A "text-to-image"
    # model makes images, from text: "text-to-image generation" says image generation, not
    # text generation.
    return [stem(w) for w in _TOKEN.findall(_TO.sub("-to ", text.lower()))]


_TO = re.compile(r"(?<=[a-z0-9])-to-(?=[a-z0-9])")


@dataclass(frozen=True)
class Said:
    """One sentence (or title) as the area matcher reads it."""

    text: str
    stems: frozenset[str]
    sequence: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Said:
        sequence = tuple(_stem_sequence(text))
        # "diffusion-based" says diffusion; "vision-language" does not say language
        heads = {stem(w.split("-")[0]) for w in _TOKEN.findall(text.lower())
                 if "-" in w and w.rsplit("-", 1)[1] in _MODIFIER_TAILS}
        return cls(text, frozenset(sequence) | frozenset(heads), sequence)


_MODIFIER_TAILS = frozenset("based driven guided aware free specific conditioned like level "
                            "enhanced inspired oriented".split())
# The stemmed tails of such compounds ("graph-based" stems to "graph-bas"): "-bas", "-guid"
_QUALIFIED = frozenset(stem("head-" + tail)[len("head"):] for tail in _MODIFIER_TAILS)
# What a longer spelling may add to a key and still be the same word in the same sense,
# as the light stem leaves it: molecul-ar, optimiz-er, adversarial-ly, gener-ative. Any
# other ending makes another word: graph-ical, image-net, gener-ic, large-ly.
_SAME_WORD = frozenset("e r st er est al ally ar ary ive ively ative at ness nes ity iz ize ized "
                       "ization izer".split())


@dataclass
class Corpus:
    """The session's posters as the area matcher reads them, built once per opened store."""

    keys: list[PosterKey]
    vectors: np.ndarray
    texts: list[str]
    titles: list[Said]
    sentences: list[list[Said]]
    df: dict[str, int]
    defined: list[list[tuple[str, frozenset[str]]]]  # the acronyms each poster defines
    _words: list[frozenset[str]] | None = field(default=None, init=False, repr=False)

    @classmethod
    def of(cls, index) -> Corpus:
        keys = sorted(index.cards, key=str)  # in the order of "session:board"
        cards = [index.cards[k] for k in keys]
        sentences = [[Said.of(s) for s in split_sentences(c.abstract) or [c.abstract]]
                     for c in cards]
        titles = [Said.of(c.title) for c in cards]
        df: dict[str, int] = {}
        for title, said in zip(titles, sentences, strict=True):
            for term in title.stems.union(*(s.stems for s in said)):
                df[term] = df.get(term, 0) + 1
        texts = [f"{c.title}. {c.abstract}" for c in cards]
        return cls(keys, np.asarray(index.vectors(keys)), texts, titles, sentences, df,
                   [definitions(text) for text in texts])

    def idf(self, term: str) -> float:
        return max(0.0, math.log((len(self.keys) + 1) / (self.df.get(term, 0) + 0.5)))

    def common(self, keys: list[str], derived: frozenset[str] = frozenset()
               ) -> frozenset[str]:
        """Of a topic of several keys, those spelt by more than COMMON of the posters: too
        common to name the topic alone ("large" of "large language models" is also large
        graphs and large-scale training)."""
        if len(keys) < 2:
            return frozenset()
        spelt = {k: self.spellings(k, k in derived) for k in keys}
        return frozenset(k for k in keys if sum(bool(spelt[k] & words) for words in self.words)
                         > COMMON * len(self.words))

    @property
    def words(self) -> list[frozenset[str]]:
        """Each poster's words (title and abstract), read once."""
        if self._words is None:
            self._words = [title.stems.union(*(s.stems for s in said))
                           for title, said in zip(self.titles, self.sentences, strict=True)]
        return self._words

    def spellings(self, key: str, derived: bool = False) -> frozenset[str]:
        """The session's words a key stands for: itself, and its longer forms when the key
        is long enough to be a stem ("molecul": molecular, molecules). A compound is not its
        first word ("large-scale" is not "large", "vision-language" not "vision") unless it
        only qualifies it ("transport-guided" says transport, as `Said` reads it). A key
        `derived` from an -ation word does not go on as another word ("gener" of generation
        spells generated, generative, generator; not general, generalization)."""
        # its plural as the light stem leaves it: "images" is "imag", "languages" "languag"
        plural = {stem(key + "s"), stem(key + "es")} & self.df.keys()
        if len(key) < 5:
            return frozenset({key} | plural)
        return frozenset(plural) | frozenset(
            w for w in self.df if w == key or (w.startswith(key) and (
                w[len(key):] in _SAME_WORD or w[len(key):] in _QUALIFIED
                or (w[len(key):] == "ly" and key.endswith(("al", "ic")))) and (
                not derived or not w[len(key):].startswith(_NOT_THE_FAMILY))))


def definitions(text: str) -> list[tuple[str, frozenset[str]]]:
    """The acronyms a text defines, each with the stems of the words it stands for:
    "large language models (LLMs)" defines LLM as {large, language, model}."""
    found = []
    for match in _ACRONYM.finditer(text):
        acronym = match.group(1)
        capitals = [c.lower() for c in acronym if c.isupper()]
        # "NeRF" stands for three words, "LLM" for three
        letters = capitals if len(capitals) >= 2 else [c.lower() for c in acronym
                                                         if c.isalpha()]
        before = _TOKEN.findall(text[max(0, match.start() - 120):match.start()].lower())
        if letters and len(before) >= len(letters) and \
                [w[0] for w in before[-len(letters):]] == letters:
            found.append((acronym, frozenset(stem(w) for w in before[-len(letters):])))
    return found


def stands_for(part: str) -> frozenset[str]:
    """The words an acronym of a topic may stand for: the topic's own and generic ones."""
    return frozenset(set(key_stems(part)) | {stem(w) for w in _TOKEN.findall(part.lower())}
                     | {stem(w) for w in GENERIC})


def acronyms(part: str, texts: list[str]) -> set[str]:
    """Acronyms the session itself defines for a topic: "large language models (LLMs)" makes
    LLM a name of "large language models"; "federated averaging (FedAvg)" is no name of
    "federated learning" (it stands for more than the topic)."""
    keys, allowed = set(key_stems(part)), stands_for(part)
    return {acronym for text in texts for acronym, words in definitions(text)
            if keys <= words <= allowed}


@dataclass(frozen=True)
class Naming:
    """How to tell that a sentence names a topic: its key stems (each with the session's
    spellings of it), weighted by rarity; the acronyms the session uses for it; its phrases
    (runs of two or more of its words that hold its rarest key: "language model" and "large
    language model", not "large model")."""

    keys: dict[str, float]
    spellings: dict[str, frozenset[str]]
    acronyms: frozenset[str]
    phrases: tuple[tuple[str, ...], ...] = ()
    stands_for: frozenset[str] = frozenset()  # the words its acronyms may stand for
    # Keys the session uses too widely to name the topic alone ("large", "language" of
    # "large language models"; "image", "generation"): they count only standing together.
    common: frozenset[str] = frozenset()
    # Its head word when that is common: a topic is named only where it is said
    # ("molecule generation" is not every poster on molecules).
    head: str = ""
    # A word the area's own posters use for it (`learned_names`): it names the area loosely,
    # never as its phrase.
    alias: bool = False
    # Its keys that name a wider field (`wide_keys`: "vision" of "3D vision"): common, and
    # the rest of its keys name it without them ("3D" names "3D computer vision").
    wide: frozenset[str] = frozenset()

    def in_poster(self, defined: list[tuple[str, frozenset[str]]]) -> Naming:
        """The naming as one poster reads it: an acronym the poster defines as something
        else is no name of the topic there ("diffusion map (DM)" is no diffusion model)."""
        own = {acronym for acronym, words in defined if set(self.keys) <= words <= self.stands_for}
        foreign = {acronym for acronym, _ in defined if acronym in self.acronyms} - own
        return replace(self, acronyms=self.acronyms - foreign) if foreign else self

    def _acronym(self, said: Said) -> bool:
        pattern = _acronym_regex(self.acronyms)
        return pattern is not None and pattern.search(said.text) is not None

    def _spelt(self, word: str, key: str) -> bool:
        return word in self.spellings[key] if key in self.spellings else word == key

    def _held(self, said: Said) -> list[str]:
        return [k for k in self.keys if self.spellings[k] & said.stems]

    def _near(self, said: Said) -> bool:
        """Whether all the keys stand within a few words of each other, in any order
        ("generated images", "generate realistic images" for image generation)."""
        places = sorted((i, k) for i, w in enumerate(said.sequence) for k in self.keys
                        if self._spelt(w, k))
        span = len(self.keys) + NEAR
        return any(len({k for j, k in places if i <= j < i + span}) == len(self.keys)
                   for i, _ in places)

    def read(self, said: Said) -> tuple[bool, bool, bool]:
        """Whether a sentence names the topic: by most of its rare words, by its phrase, by
        all its words (each also by its acronym)."""
        if self._acronym(said):
            return True, True, True
        held = self._held(said)
        if self.alias:
            return bool(held), False, False
        total = sum(v for k, v in self.keys.items() if k not in self.wide)
        words = said.sequence
        phrase = any(all(self._spelt(w, k) for w, k in zip(words[i:i + len(p)], p, strict=True))
                     for p in self.phrases for i in range(len(words) - len(p) + 1)
                     if self._spelt(words[i], p[0]))
        every = len(held) == len(self.keys)
        if self.common & set(held) and not (phrase or (every and self._near(said))):
            held = [k for k in held if k not in self.common]
            every = False
        # A topic of one word besides its generic ones ("self-supervised learning",
        # "transformers") is named as a unit by that word: "self-supervised object-centric
        # learning" names it. Which sense the word has there is for the noun it qualifies
        # (`other_sense`) and the poster's place among the others to tell.
        return (total > 0 and sum(self.keys[k] for k in held) >= HALF * total
                and (not self.head or self.head in held or phrase),
                phrase or (len(self.keys) == 1 and every), every)


@lru_cache(maxsize=256)
def _acronym_regex(acronyms: frozenset[str]) -> re.Pattern | None:
    if not acronyms:
        return None
    return re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(acronyms))) + r")s?\b")


def phrases_of(part: str, keys: dict[str, float]) -> tuple[tuple[str, ...], ...]:
    """Runs of the topic's words that hold its rarest key; an adjective between them may be
    left out ("graph networks" of "graph neural networks", not "large models" of "large
    language models")."""
    plain = [w for w in _TOKEN.findall(part.lower()) if w not in STOPWORDS]
    words = [stem(w) for w in plain]
    rarest = max(keys, key=keys.get) if keys else ""
    runs = {tuple(words[i:j]) for i in range(len(words)) for j in range(i + 2, len(words) + 1)}
    runs |= {(*words[:i], *words[i + 1:]) for i in range(1, len(words) - 1)
             if plain[i].endswith(_ADJECTIVE)}
    return tuple(sorted(r for r in runs if rarest in r))


def head_of(part: str) -> str:
    """The key that says what a topic is when a noun qualifies it: "generation" of "image
    generation" (before "of" when it has one). None when its last word is generic ("graph
    neural networks") or its other keys are adjectives ("causal inference" is also causal
    effect estimation, "adversarial robustness" also adversarial attacks)."""
    words = [w for w in _TOKEN.findall(re.split(r"\s+of\s+", part.lower())[0])
             if w not in STOPWORDS]
    if len(words) < 2 or words[-1] in GENERIC:
        return ""
    if all(w.endswith(_ADJECTIVE) for w in words[:-1] if w not in GENERIC):
        return ""
    return stem(words[-1])


_ADJECTIVE = ("al", "ic", "ive", "ous", "ary", "ful", "less", "able", "ible", "ed")


def derived_stems(part: str) -> frozenset[str]:
    """The stems the light stem cut an "-ation", "-ator" or "-ate" from ("generation": gener):
    their family goes on as generated, generative, generator, never as general."""
    return frozenset(stem(w) for w in _TOKEN.findall(part.lower())
                     if stem(w) != w and w[len(stem(w)):].startswith("at"))


# What a derived stem never goes on as in its own family: gener-al (general, generalization),
# inform-al; "computational", "adaptive", "optimizer" go on as theirs do.
_NOT_THE_FAMILY = ("al",)


def namings(area: str, corpus: Corpus) -> list[Naming]:
    result = []
    for part in area_parts(area):
        keys = key_stems(part)
        derived = derived_stems(part)
        common = corpus.common(keys, derived)
        head = head_of(part)
        result.append(Naming({k: corpus.idf(k) for k in keys},
                             {k: corpus.spellings(k, k in derived) for k in keys},
                             frozenset(acronyms(part, corpus.texts)),
                             phrases_of(part, {k: corpus.idf(k) for k in keys}),
                             stands_for(part), common, head if head in common else ""))
    return result


def related_terms(corpus: Corpus, seed: list[int], naming: list[Naming],
                  limit: int = 6) -> frozenset[str]:
    """Words the area's closest posters share and the rest of the session seldom uses
    ("Wasserstein" for optimal transport, "brain" for neuroscience): the area's own
    vocabulary, read from its posters (pseudo-relevance feedback)."""
    return frozenset(shared_terms(corpus, list(seed), naming, RELATED_SHARE, limit))


def shared_terms(corpus: Corpus, rows: list[int], naming: list[Naming], share: float,
                 limit: int) -> list[str]:
    """The words a `share` of the posters `rows` say and few others do (at least half the
    posters saying a word are among them), not the area's own, common or generic words;
    the most telling (count x IDF) first, at most `limit`."""
    own = {w for n in naming for k in n.keys for w in n.spellings[k]}
    held: dict[str, int] = {}
    for i in rows:
        for term in corpus.titles[i].stems.union(*(s.stems for s in corpus.sentences[i])):
            held[term] = held.get(term, 0) + 1
    picked = [t for t, n in held.items()
              if n >= max(2, share * len(rows)) and n >= corpus.df[t] / 2
              and len(t) > 3 and t not in own and t not in STOPWORDS and t not in GENERIC
              and not t.isdigit()]
    picked.sort(key=lambda t: (-held[t] * corpus.idf(t), t))
    return picked[:limit]


# "Most" of a topic's weight: a bit under half, so that one of two equally rare words
# ("3D vision") says it, and the commoner of two ("large" in "large language") does not.
# Asking instead that all of a topic's words stand together (`relevance.together`) was tried
# and left out: as the test of naming it took dev recall from 0.91 to 0.70 (quantization
# posters never say "neural", adversarial ones seldom "robustness"); as a refitted feature it
# got little weight and left-one-area-out was no better. It would keep "video generation" to
# the posters that generate videos, but it cannot tell such areas from those whose one word
# suffices. What tells them apart is how common each word is in the session: only words
# spelt by more than COMMON of the posters must stand together (`Naming.common`; "large",
# "language", "graph", "image", "generation"), a rare one still names its topic alone
# ("quantization", "adversarial"). Dev precision 0.876 -> 0.899, recall 0.925 -> 0.913;
# "graph" is spelt by 11% of the posters, so the cut sits close to it (0.12 lets graph
# posters without networks back in).
HALF = 0.47
NEAR = 2  # words that may stand between a topic's keys and still hold them together
COMMON = 0.1  # a key spelt by more than this share of the posters is common
RELATED_SHARE = 0.3  # a related word is held by this share of the area's closest posters
RELATED_SEED = 10  # ... of this many


def mentions(naming: list[Naming], title: Said, sentences: list[Said],
             related: frozenset[str] = frozenset()) -> tuple[float, ...]:
    """What a poster says of an area: whether its title names it (by its words, by its
    phrase), how many of the abstract's sentences do (by words, by phrase, by all its words),
    whether its first sentence or the sentence stating its contribution does, and how many
    sentences use the area's related words."""
    def read(said: Said) -> tuple[bool, bool, bool]:
        readings = [n.read(said) for n in naming]
        return tuple(any(r[j] for r in readings) for j in range(3))  # type: ignore[return-value]

    said = [read(s) for s in sentences]
    loose, exact, every = (float(sum(r[j] for r in said)) for j in range(3))
    in_title = read(title)
    stating = [r for r, s in zip(said, sentences, strict=True) if _CONTRIBUTION.search(s.text)]
    return (float(in_title[0]), float(in_title[1]), loose, exact, every, float(said[0][0]),
            float(any(r[0] for r in stating)),
            float(sum(bool(related & s.stems) for s in [title, *sentences])),
            float(said[0][1]), float(any(r[1] for r in stating)), float(len(sentences)))


_CONTRIBUTION = re.compile(r"\b(?:we|this (?:paper|work))\s+(?:\w+\s+)?(?:propose|introduce|"
                           r"present|develop|design|study|show|provide|proposes|introduces|"
                           r"presents|develops|studies|shows)\b", re.IGNORECASE)


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


NEIGHBOURS = 12  # a poster's neighbourhood: its nearest posters in the session
_CHUNK = 1024  # rows per block of dot products: a large session never makes an n x n matrix


def neighbour_share(vectors: np.ndarray, plainly: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each of the `rows` (a mask), the mean of `plainly` over its NEIGHBOURS nearest
    other posters; 0 elsewhere."""
    share = np.zeros(len(vectors))
    k = min(NEIGHBOURS, len(vectors) - 1)
    wanted = np.flatnonzero(rows)
    if k <= 0 or len(wanted) == 0:
        return share
    for at in range(0, len(wanted), _CHUNK):
        block = wanted[at:at + _CHUNK]
        similar = vectors[block] @ vectors.T
        similar[np.arange(len(block)), block] = -np.inf  # not its own neighbour
        near = np.argpartition(-similar, k - 1, axis=1)[:, :k]
        share[block] = plainly[near].mean(axis=1)
    return share


def area_features(vectors: np.ndarray, query: np.ndarray, said: np.ndarray,
                  seed_share: float) -> np.ndarray:
    """One row per poster: what the membership score reads (see AreaBars.weights); `said`
    holds each poster's `mentions`.

    The core is the centroid of the posters that name the area and are close to the
    question, pulled toward the question: a poster that uses the area's word in another
    sense ("graph diffusion") is far from it."""
    query = _unit(query)
    cosine = vectors @ query
    (title, title_phrase, loose, exact, every, first, contribution, related, first_phrase,
     contribution_phrase, length) = said.T
    seed = ((title + loose) > 0) & (cosine >= seed_share * cosine.max())
    if not seed.any():
        seed = cosine >= np.sort(cosine)[-min(5, len(cosine))]
    closeness = vectors @ _unit(_unit(vectors[seed].mean(axis=0)) + query)
    # Its neighbourhood: a poster about the area sits among posters whose titles name it;
    # one that uses the area's words in passing or in another sense ("graph diffusion",
    # "sign language") sits among posters about something else.
    plainly = (title + title_phrase) / 2.0
    neighbourhood = neighbour_share(vectors, plainly, said[:, :5].sum(axis=1) > 0)
    return np.column_stack([closeness, closeness / max(float(closeness.max()), 1e-12), cosine,
                            title, title_phrase, np.log1p(loose), np.log1p(exact),
                            np.log1p(every), first, contribution, np.log1p(related),
                            first_phrase, contribution_phrase, loose / np.maximum(length, 1),
                            exact / np.maximum(length, 1),
                            neighbourhood / max(float(neighbourhood.max()), 1e-12),
                            np.ones(len(vectors))])


def membership(features: np.ndarray, bars: AreaBars = BARS) -> np.ndarray:
    """The probability-like score that the area is what each poster is about."""
    return 1.0 / (1.0 + np.exp(-(features @ np.asarray(bars.weights))))


def area_members(vectors: np.ndarray, query: np.ndarray, said: np.ndarray,
                 bars: AreaBars = BARS) -> list[tuple[int, float]]:
    """(row, score) of every poster the area is about, best first. A poster that never
    names the area (in its title or abstract, by its words, its phrase or its acronym) is
    not about it, however close it sits: a neighbouring field's posters are close too
    ("spike cameras" and neural recordings next to spiking neural networks); unless most of
    its nearest posters are the area's members (`AMONG`)."""
    if len(vectors) == 0:
        return []
    names = said[:, :5].sum(axis=1) > 0  # title, title phrase, sentences (3 readings)
    features = area_features(vectors, query, said, bars.seed_share)
    # A passing mention: one sentence names the area, no title does, and none of the
    # poster's nearest posters names it in its title ("brain-inspired" in a spiking or
    # object-discovery poster among its own kind): the area is not what it is about.
    passing = (said[:, 0] == 0) & (said[:, 2] <= 1) & (features[:, -2] == 0)
    score = membership(features, bars) * (names & ~passing)
    # A poster that words the area otherwise (a speech-language model among LLM posters,
    # graph segment training among GNN ones) sits close to its core with most of its
    # NEIGHBOURS nearest posters members: it is in the area though it never names it. A
    # small area (fewer members than that) never takes one in: next to spiking networks sit
    # spike cameras and neural recordings.
    k = min(NEIGHBOURS, len(vectors) - 1)
    members = np.round(neighbour_share(vectors, (score >= bars.cut).astype(float), ~names) * k)
    among = ~names & (members >= AMONG) & (features[:, 1] >= AMONG_CLOSE)
    score = np.where(among, np.maximum(members / NEIGHBOURS * features[:, 1], bars.cut), score)
    order = np.argsort(-score, kind="stable")
    return [(int(i), float(score[i])) for i in order if score[i] >= bars.cut]


AMONG = 7  # most of a poster's NEIGHBOURS nearest posters are the area's members ...
AMONG_CLOSE = 0.7  # ... and it is this close to the area's core (relative to the closest)


_CORPORA: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def corpus_of(index) -> Corpus:
    """The opened store's Corpus, built on first use and kept while the store is open."""
    if index not in _CORPORA:
        _CORPORA[index] = Corpus.of(index)
    return _CORPORA[index]


def area_evidence(corpus: Corpus, rows: list[int], area: str, query: np.ndarray
                  ) -> np.ndarray:
    """Each admitted poster's `mentions` of the area, related words included. Common keys
    must stand together only where the session does put them together: when no poster
    does ("3D vision" in a session of vision posters), its words alone are how it is named."""
    naming = namings(area, corpus)
    closest = np.argsort(-(corpus.vectors[rows] @ _unit(query)), kind="stable")[:RELATED_SEED]
    related = related_terms(corpus, [rows[i] for i in closest], naming)

    def read(naming: list[Naming], rows: list[int] = rows) -> np.ndarray:
        return np.array([mentions([n.in_poster(corpus.defined[i]) for n in naming],
                                  corpus.titles[i], corpus.sentences[i], related)
                         for i in rows], dtype=np.float64).reshape(len(rows), -1)

    wide = [wide_keys(corpus, rows, n, query) for n in naming]
    naming = [replace(n, common=n.common | w, wide=w) if w else n
              for n, w in zip(naming, wide, strict=True)]
    said = read(naming)
    if not (said[:, 0] + said[:, 2]).any() and any(n.common for n in naming):
        naming = [replace(n, common=frozenset(), head="", wide=frozenset()) for n in naming]
        said = read(naming)
    learned = learned_names(corpus, rows, said, query, naming, sub_field=any(wide))
    aliases = [Naming({t: corpus.idf(t)}, {t: corpus.spellings(t)}, frozenset(), alias=True)
               for t in learned]
    if learned:
        said = read(naming + aliases)
    # A poster using one of the area's words only in another sense does not name it by that
    # word; it still names the area's other topics ("De novo drug design" of "molecules and
    # drug design" says "generate molecules" in passing).
    senses = [other_sense(corpus, rows, said, [n], area) for n in naming]
    flagged = np.flatnonzero(np.logical_or.reduce(senses))
    for i in flagged:
        kept = [n for n, sense in zip(naming, senses, strict=True) if not sense[i]]
        said[i] = read(kept + aliases, [rows[i]])[0] if kept else 0.0
    return said


def wide_keys(corpus: Corpus, rows: list[int], naming: Naming, query: np.ndarray
              ) -> frozenset[str]:
    """The keys of a topic of several that name a wider field than the topic: the posters
    that say one without the others sit far from the question, compared with those that say
    its most telling key alone ("vision" of "3D vision" is said by vision-transformer and
    biological-vision posters, "3D" by reconstruction and point-cloud posters). Such a key
    counts only standing with the others, as a common one does (`Naming.common`); the session
    words it seldom, so commonness alone does not tell."""
    rare = [k for k in naming.keys if k not in naming.common]
    if len(rare) < 2 or naming.alias:
        return frozenset()
    cosine = corpus.vectors[rows] @ _unit(query)
    holds = {k: np.array([bool(naming.spellings[k] & corpus.words[r]) for r in rows])
             for k in naming.keys}
    typical: dict[str, float] = {}
    for k in rare:
        held = holds[k]
        alone = held & ~np.logical_and.reduce([holds[o] for o in naming.keys if o != k])
        if alone.sum() >= WIDE_POSTERS:  # too few lone posters tell nothing
            typical[k] = float(np.median(cosine[alone]))
    if len(typical) < 2:
        return frozenset()
    best = max(typical.values())
    return frozenset(k for k, c in typical.items() if c < WIDE * best)


# A key is wider than its topic when its lone posters' median cosine to the question is under
# this share of the most telling key's: "vision" of "3D vision" 0.75; "robustness" of
# "adversarial robustness" (0.81) still names it alone. Common keys are no rivals: "operator"
# is 0.71 of "neural" in "neural operators", and as a wide key it lost dev posters (#907).
WIDE = 0.78
WIDE_POSTERS = 3  # lone posters a key needs for its place to be read


def key_uses(said: Said, spellings: frozenset[str], area_words: frozenset[str],
             nouns: frozenset[str], head: bool = False) -> list[str]:
    """How a sentence uses an area's one key: for each time it says it, the noun the key
    qualifies there ("map" of "the diffusion map"), the word that qualifies it where it ends
    its phrase ("<speech" of "speech enhancement (SE)"), or "" when it is used as the area
    itself: next to the area's own words ("diffusion model", "image enhancement"), with a
    qualifying tail ("diffusion-based"), or alone ("with diffusion", "the diffusion of
    information"). Only the key as the area writes it counts (`nouns`): "imitates expert
    policies" is a verb and its object, no other sense."""
    text = _TO.sub("-to ", said.text.lower())
    tokens = list(_TOKEN.finditer(text))
    uses = []
    for at, match in enumerate(tokens):
        word = match.group()
        parts = word.split("-")
        if len(parts) > 1 and parts[-1] in _MODIFIER_TAILS:
            if stem(parts[0]) in spellings:
                uses.append("")  # "diffusion-based"
            continue
        if word not in nouns:
            continue
        following = [stem(t.group().split("-")[0]) for t in tokens[at + 1:at + 2 + NEAR]]
        ends = at + 1 == len(tokens) or bool(text[match.end():tokens[at + 1].start()].strip())
        if not ends and area_words & set(following):
            uses.append("")
        elif ends or following[0] in STOPWORDS:
            # the head of its phrase: what qualifies it ("speech enhancement")
            before = stem(tokens[at - 1].group().split("-")[0]) if at else ""
            if at and not text[tokens[at - 1].end():match.start()].strip() and \
                    before not in STOPWORDS and before not in area_words:
                uses.append("<" + before)
            else:
                uses.append("")
        elif head:
            # The area is what the key names ("brain"): the key qualifying a noun speaks of
            # it ("brain regions"); only a word qualifying it may name another thing.
            uses.append("")
        else:
            uses.append(following[0])
    return uses


def other_sense(corpus: Corpus, rows: list[int], said: np.ndarray, naming: list[Naming],
                area: str) -> np.ndarray:
    """The posters that use an area's one key word only in another sense: everywhere they
    say it (twice or more), it qualifies a noun, or is qualified by a word, that no two other
    posters naming the area put next to it ("graph diffusion functionals", "manifold
    diffusion recovery" among diffusion models, whose posters say diffusion models,
    diffusion-based, diffusion probabilistic, diffusion process; "speech enhancement" among
    image and video restoration and enhancement); or they define a term of their own that
    the key qualifies ("the diffusion map (DM)") and never use it as the area itself."""
    out = np.zeros(len(rows), dtype=bool)
    names = said[:, :5].sum(axis=1) > 0
    for n in naming:
        if len(n.keys) != 1 or n.alias:
            continue
        key = next(iter(n.keys))
        spellings = n.spellings[key]
        area_words = frozenset(w for part in area_parts(area) for w in _stem_sequence(part)
                               ) - {key}
        # its singular and plural ("protein families" of "proteins")
        nouns = frozenset(f"{form}{plural}" for w in _TOKEN.findall(area.lower())
                          if stem(w) == key for form in {w, w.removesuffix("s")}
                          for plural in ("", "s", "es"))
        # the key ends its part ("brain", "restoration and enhancement"), or qualifies its
        # generic word ("diffusion models")
        head = any(_stem_sequence(part)[-1:] == [key] for part in area_parts(area))
        # An adjective is the area whatever noun it qualifies: "continual domain
        # generalization" is continual learning, as "diffusion map" is no diffusion model.
        head = head or any(w.endswith(_ADJECTIVE) for w in nouns)
        uses = {i: [u for s in [corpus.titles[rows[i]], *corpus.sentences[rows[i]]]
                    for u in key_uses(s, spellings, area_words, nouns, head)]
                for i in np.flatnonzero(names)}
        held: dict[str, int] = {}
        for found in uses.values():
            for noun in set(found) - {""}:
                held[noun] = held.get(noun, 0) + 1
        for i, found in uses.items():
            if not found:
                continue
            # held by two posters besides this one
            shared = [u == "" or held.get(u, 0) >= 3 for u in found]
            own_term = any(spellings & words and not words <= n.stands_for
                           and not key_last(acronym, corpus.texts[rows[i]], spellings)
                           for acronym, words in corpus.defined[rows[i]])
            # Qualified by a word of its own, the key names another thing where that word
            # stays the same ("speech enhancement" again); qualified each time otherwise
            # ("desirable molecules", "generate molecules", "related proteins") it is the
            # area spoken of in passing words.
            term = len(found) >= SENSE_USES and (
                any(not u.startswith("<") for u in found)
                or max(found.count(u) for u in found) >= SENSE_USES)
            if (term and not any(shared)) or (
                    own_term and not any(u == "" for u in found)):
                out[i] = True
    return out


SENSE_USES = 2  # a word said once is said in passing: the score weighs it


def key_last(acronym: str, text: str, spellings: frozenset[str]) -> bool:
    """Whether the term an acronym stands for ends with the key: "speech enhancement (SE)"
    is a kind of enhancement, "diffusion map (DM)" no kind of diffusion."""
    match = re.search(r"([A-Za-z0-9-]+)\s*\(\s*" + re.escape(acronym), text)
    return match is not None and stem(match.group(1).lower()) in spellings


def learned_names(corpus: Corpus, rows: list[int], said: np.ndarray, query: np.ndarray,
                  naming: list[Naming], sub_field: bool = False) -> list[str]:
    """The area's names as its own posters write them, when the session words it otherwise:
    when no title among the posters closest to the area (to its core, or to the question)
    names it though some of them say it ("neuroscience", whose posters say brain, neurons,
    neural activity, fMRI), the words those posters share and the rest of the session seldom
    uses. None when titles near the area do name it: the area's name is then how the session
    says it, and a word its posters share is more often the wider field's ("policy" for
    imitation learning, "spike" for spiking neural networks). Except for a `sub_field`
    (an area with a wide key, `wide_keys`: "3D vision"): its posters say their sub-topic
    (NeRF, rendering, multi-view) more often than its name, titles near it or not."""
    vectors = corpus.vectors[rows]
    cosine = vectors @ _unit(query)
    seed = ((said[:, 0] + said[:, 2]) > 0) & (cosine >= BARS.seed_share * cosine.max())
    if seed.sum() < 3:
        seed = cosine >= np.sort(cosine)[-min(5, len(cosine))]
    closeness = vectors @ _unit(_unit(vectors[seed].mean(axis=0)) + _unit(query))
    near = np.argsort(-closeness, kind="stable")[:max(OTHERWISE_NEAR, 2 * int(seed.sum()))]
    closest = said[np.union1d(near[:OTHERWISE_NEAR],
                              np.argsort(-cosine, kind="stable")[:OTHERWISE_NEAR])]
    # Its name said near it, never in a title there; an area no poster near it names at all
    # is not learned from posters that may only look like it ("data-centric AI" from
    # object-centric posters).
    if (closest[:, 0].sum() > 0 and not sub_field) or not closest[:, :5].any():
        return []
    # shared by a quarter of those posters, and by few others
    return shared_terms(corpus, [rows[i] for i in near], naming, LEARNED_SHARE, LEARNED_LIMIT)


OTHERWISE_NEAR = 10  # the posters closest to an area: when none of their titles names it ...
LEARNED_SHARE = 0.25  # ... its names are the words this share of them use
LEARNED_LIMIT = 6


def gather_area(assistant, area: str, where: PosterFilter = ANY_POSTER,
                bars: AreaBars = BARS) -> list[tuple[Poster, float]]:
    """Every admitted poster the area is about, with its membership score."""
    index = assistant.index
    corpus = corpus_of(index)
    rows = [i for i, key in enumerate(corpus.keys) if where.admits(index.cards[key])]
    if not rows:
        return []
    from assistant.understand import alternatives, names_examples

    # An area and the examples it names ("reinforcement learning including imitation
    # learning and RLHF") are areas of their own: a poster in any is in. (Alternatives alone,
    # "neuroscience / brain", are read together: each alone takes in its passing mentions.)
    parts = [part for part in alternatives(area) if part != area]
    if names_examples(area) and parts:
        best: dict = {}
        for part in parts:
            for card, score in gather_area(assistant, part, where, bars):
                best[card] = max(score, best.get(card, 0.0))
        return sorted(best.items(), key=lambda item: -item[1])
    from assistant.grounding import is_name
    from assistant.opened import term_set

    if len(area.split()) == 1 and is_name(area) and area.strip(" ,") == area:
        # A name ("RLHF", "MuJoCo"), whose embedding means little: its posters are those
        # that write it (an example "RLHF" gathered NeRF posters by its letters).
        theirs = assistant.search.opened.carrying(term_set(area))
        return [(index.cards[corpus.keys[i]], 1.0) for i in rows if corpus.keys[i] in theirs]
    query = np.asarray(assistant.embedder.get_query_embedding(area), dtype=np.float64)
    said = area_evidence(corpus, rows, area, query)
    members = area_members(corpus.vectors[rows], query, said, bars)
    return [(index.cards[corpus.keys[rows[i]]], score) for i, score in members]


# --- sub-themes and the overview ------------------------------------------------------------

def group_posters(vectors, texts: list[str], avoid: frozenset[str] = frozenset()
                  ) -> list[tuple[list[int], str, list[str]]]:
    """Sub-themes as (indices, name, distinctive terms), largest first, each one's posters
    that say its name first, most typical (closest to its centroid) first within: 2-6
    groups, or one when few."""
    from assistant.themes import choose_k, described_first, distinctive_terms, kmeans, phrase_names

    vectors = np.asarray(vectors, dtype=np.float64)
    n = len(texts)
    # A broad area in two halves says little: 15 posters or more make at least 3 sub-themes.
    fewest = 3 if n >= 15 else 2
    k = 1 if n < 6 else choose_k(vectors, fewest, min(MAX_THEMES, n // 3))
    labels = np.zeros(n, dtype=int) if k == 1 else kmeans(vectors, k)
    # A poster alone is no sub-theme (and has no phrase to share): one group fewer.
    while k > fewest and np.bincount(labels, minlength=k).min() < 2:
        k -= 1
        labels = kmeans(vectors, k)
    terms = distinctive_terms(texts, labels, top_n=4)
    members = []
    for g in range(k):
        inside = [i for i in range(n) if labels[i] == g]
        centre = _unit(vectors[inside].mean(axis=0))
        members.append(sorted(inside, key=lambda i: -float(vectors[i] @ centre)))
    # Named with each group's most typical poster first: a group that shares no phrase
    # takes that poster's.
    order = [i for inside in members for i in inside]
    names = phrase_names([texts[i] for i in order], labels[order], avoid)
    # shown first: the posters the name describes, each part most typical first
    groups = [(described_first(members[g], [texts[i] for i in members[g]], names[g]),
               names[g], terms[g]) for g in range(k)]
    return sorted(groups, key=lambda group: -len(group[0]))


def plain(text: str) -> str:
    """TeX as the reader would see it: \\emph{GMS} is GMS, $O(\\epsilon^{-3})$ is O(ε⁻³)."""
    return readable_tex(text)


def digest(area: str, cards: list[Poster]) -> str:
    """Each poster's board, title and the sentence that best states its contribution."""
    return "\n".join(f"- {cite(c.ref)} **{quoted(c.title)}** — "
                     f"{plain(contribution_sentence(area, c.abstract))}" for c in cards)


_LEAD = re.compile(r"\b(?:we|this (?:paper|work))\s+(?:first\s+|also\s+|further\s+)?"
                   r"(?:propose|introduce|present|develop|design|study|show|provide|"
                   r"proposes|introduces|presents|develops|studies|shows)\s+(?:that\s+)?",
                   re.IGNORECASE)
_NUMBERS = ("One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten")
CLAUSE_WORDS = 12
MIN_CLAUSE_WORDS = 5
_ARTICLES = frozenset("A An The Our This These Two Three New Novel".split())
_BREAK = re.compile(r"[,;:]\s|\s(?:which|that|where|by|to|in order)\s")


def contribution_clause(area: str, card: Poster) -> str:
    """What a poster contributes, in a few words: its contribution sentence without the
    "we propose" that leads it, cut at a clause break ("a new distillation-based model
    reduction paradigm"); its title when no sentence states a contribution."""
    sentence = plain(contribution_sentence(area, card.abstract))
    lead = _LEAD.search(sentence)
    rest = sentence[lead.end():] if lead else ""
    # up to the first clause break after a few words: not a bare "a new task"
    cuts = [m.start() for m in _BREAK.finditer(rest)
            if len(rest[:m.start()].split()) >= MIN_CLAUSE_WORDS]
    words = rest[:cuts[0] if cuts else len(rest)].strip().rstrip(".").split()
    if len(words) < 3:  # a title is quoted as it is
        words = plain(card.title).split()
    elif words[0] in _ARTICLES:  # "A new method" inside a sentence; "Prompt Diffusion" stays
        words[0] = words[0].lower()
    return " ".join(words[:CLAUSE_WORDS]) + (" …" if len(words) > CLAUSE_WORDS else "")


EXAMPLES = 3  # posters each sub-theme's sentence names


def theme_sentence(area: str, label: str, cards: list[Poster], examples: int = EXAMPLES) -> str:
    """One sentence per sub-theme: "Four posters on text-to-image generation: <what #1 does>
    [#1], <what #2 does> [#2], ..." from its most typical posters' contribution sentences."""
    from assistant.themes import carries

    count = len(cards)
    head = _number(count).capitalize()
    noun = "poster" if count == 1 else "posters"
    clauses = [f"{quoted(contribution_clause(area, c))} {cite(c.ref)}"
               for c in cards[:examples]]
    more = f", and {count - examples} more" if count > examples else ""
    # A name that fits part of the sub-theme says so ("Six posters, three on ...").
    fits = sum(carries(label, f"{c.title}. {c.abstract}") for c in cards)
    on = f"{head} {noun} on {label}" if fits in (0, count) else \
        f"{head} {noun}, {_number(fits)} on {label}"
    return on + ": " + "; ".join(clauses) + more + "."


def _number(count: int) -> str:
    """A count as a word up to ten ("six"), in digits above."""
    return _NUMBERS[count - 1].lower() if 0 < count <= len(_NUMBERS) else str(count)


def offline_overview(area: str, total: int, themes: list[tuple[str, list[Poster]]]) -> str:
    """The rule-written overview: how many posters, the sub-themes with their sizes, and one
    sentence per sub-theme from its posters' contribution sentences."""
    sizes = ", ".join(f"{label} ({len(cards)})" for label, cards in themes)
    intro = (f"{counted(total, 'poster')} on {area}" + (f" in {len(themes)} sub-themes: {sizes}."
                                              if len(themes) > 1 else "."))
    return "\n".join([intro, *(f"- {theme_sentence(area, label, cards)}"
                               for label, cards in themes)])


def _shares(sizes: list[int], budget: int) -> list[int]:
    """How many posters each sub-theme shows: at least one each, the rest by size."""
    if sum(sizes) <= budget:
        return sizes
    shown = [min(1, s) for s in sizes]
    while sum(shown) < budget:
        gap = [(s - k) / s if s else 0 for s, k in zip(sizes, shown, strict=True)]
        shown[int(np.argmax(gap))] += 1
    return shown


def summarize(assistant, area: str, max_posters: int = 30,
              where: PosterFilter = ANY_POSTER) -> Summary:
    from assistant.ask import should_abstain
    from assistant.understand import strip_frame

    query = strip_frame(area)
    # The session covers an area when it covers any of its topics ("speech and audio").
    abstains = all(should_abstain(assistant.evidence(part, assistant.candidates(
        part, where, "hybrid")), assistant.settings) for part in area_parts(query))
    found = [] if abstains else gather_area(assistant, query, where)
    if not found and not abstains:
        # No poster names the area as the membership reads names ("text-to-image generation",
        # which posters say as "text-to-image diffusion"), yet the session covers it: the
        # posters a search for it cites are the area.
        relevant = assistant.relevant(query, where, "hybrid")
        found = [] if relevant.abstains else [
            (assistant.index.cards[c.key], c.cosine) for c in relevant.kept]
    if not found:
        return Summary(area=area, overview=CANNOT_ANSWER)
    cards = [card for card, _ in found]
    vectors = assistant.index.vectors([c.key for c in cards])
    texts = [f"{c.title}. {c.abstract}" for c in cards]
    groups = group_posters(vectors, texts, avoid=frozenset(
        stem(w) for w in _TOKEN.findall(query.lower())))
    shares = _shares([len(g[0]) for g in groups], max_posters)
    summary = Summary(area=area, boards=[c.ref for c in cards],
                      header=overview_line(cards, sum(shares)), backend=assistant.backend_label)
    named = []
    for (indices, name, terms), share in zip(groups, shares, strict=True):
        members = [cards[i] for i in indices]
        label = name or (terms[0] if terms else query)
        named.append((label, members))
        shown = members[:share]
        text = write_theme(assistant, area, label, shown, summary)
        summary.themes.append(Theme(label=label, terms=terms,
                                    boards=[c.ref for c in members], summary=text,
                                    shown=[c.ref for c in shown]))
    summary.overview = offline_overview(query, len(cards), named)
    summary.examples = [c.ref for _, members in named for c in members[:EXAMPLES]]
    return summary


def write_theme(assistant, area: str, label: str, cards: list[Poster], summary: Summary) -> str:
    """The LLM's paragraph when it cites its posters, else the extractive digest."""
    if assistant.llm is None:
        return digest(area, cards)
    from assistant.citations import guard_citations
    from assistant.llm import LLMError, fit_posters
    from prompts import load_prompt

    fitted = fit_posters(cards)  # a bounded prompt; only the posters in it may be cited
    cards = [card for card, _ in fitted]
    prompt = load_prompt("summary_theme").render(
        area=area, theme=label, posters="\n\n".join(block for _, block in fitted),
        valid_citations=" ".join(cite(c.ref) for c in cards))
    try:
        written = assistant.llm.complete([{"role": "user", "content": prompt}])
    except LLMError as err:
        summary.notice = f"The LLM failed: {err}. Showing extractive digests."
        summary.backend = "extractive"
        return digest(area, cards)
    guarded = guard_citations(written, [c.ref for c in cards])
    if not guarded.citations:
        summary.notice = "Some sub-themes show the extractive digest: the model cited no poster."
        return digest(area, cards)
    return guarded.text.strip()


def summary_answer(summary: Summary, assistant) -> Answer:
    """The summary as an answer. It cites every poster of the area: the header lists them all
    by board (a place to walk to), the text names the most typical ones; `results` is the
    area too (what `posters eval` scores)."""
    boards = list(dict.fromkeys([*summary.cited, *summary.boards]))
    cards = [assistant.index.by_board[b] for b in boards]
    return Answer(answer=summary.markdown(), citations=boards,
                  sources=[card_source(c, 1.0) for c in cards], abstained=not summary.boards,
                  backend=summary.backend, notice=summary.notice, retrieved=summary.boards,
                  results=summary.boards)


# --- the whole session ----------------------------------------------------------------------

CENTRAL = 3  # posters shown per theme of the session


_THEMES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def session_themes(index) -> list[tuple[str, list[int]]]:
    """The session map's themes as (name, boards), largest first; each named by a phrase its
    posters say (`phrase_names`: every poster counts alike; its most distinctive term when
    none is), its boards those that say the name first, each part most central first.
    Computed once per opened store."""
    from assistant.themes import described_first, phrase_names

    if index in _THEMES:
        return _THEMES[index]
    theme_map, by_board = index.theme_map, index.by_board
    labels = dict(zip(theme_map.boards, theme_map.labels, strict=True))
    corpus = corpus_of(index)
    row = {key: i for i, key in enumerate(corpus.keys)}
    central = []
    for theme in theme_map.themes:
        members = [b for b in theme["boards"] if b in by_board]
        vectors = corpus.vectors[[row[by_board[b].key] for b in members]]
        order = np.argsort(-(vectors @ _unit(vectors.mean(axis=0))), kind="stable") \
            if members else []
        central.append((theme, [members[i] for i in order]))
    # Named with each theme's most central posters first (their spelling of a phrase is the
    # one taken; a theme that shares no phrase takes the first one's); the boards in no
    # theme count as others.
    placed = [b for _, members in central for b in members]
    seen = set(placed)
    boards = placed + [b for b in theme_map.boards if b in by_board and b not in seen]

    def text(board) -> str:
        return f"{by_board[board].title}. {by_board[board].abstract}"

    names = phrase_names([text(b) for b in boards], np.array([labels[b] for b in boards]))
    themes = []
    for theme, members in central:
        if not members:
            continue
        name = names[theme["id"]] if theme["id"] < len(names) else ""
        # a theme that shares no phrase is named by its most distinctive term, never by
        # the map's bag of terms ("features · feature · label")
        name = name or (theme["terms"] or [theme["label"]])[0]
        themes.append((name, described_first(members, [text(b) for b in members], name)))
    _THEMES[index] = themes
    return themes


def session_overview(assistant) -> Answer:
    """"What's in this session?": the themes of the map, each named by a phrase its posters
    share, with its size, its most central posters that the name describes, and the question
    that summarizes it."""
    cards = assistant.cards
    if assistant.index.theme_map is None:
        return Answer(answer=f"{len(cards)} posters; run `posters ingest --rebuild` to compute "
                      "the session's themes.", citations=[], sources=[], abstained=False)
    from assistant.themes import carries

    themes = session_themes(assistant.index)
    by_board = assistant.index.by_board
    lines = [f"{len(cards)} posters in {len(themes)} themes (largest first):"]
    examples: list[int] = []
    for name, central in themes:
        shown = central[:CENTRAL]
        examples += shown
        # a name fitting part of its theme says how many (its boards come first)
        fits = sum(carries(name, f"{by_board[b].title}. {by_board[b].abstract}")
                   for b in central)
        part = f" (the name fits {fits})" if 0 < fits < len(central) else ""
        lines.append(f"- **{name}** — {len(central)} posters{part}, most central "
                     + " ".join(cite(b) for b in shown) + f" (ask: summarize {name})")
    return Answer(answer="\n".join(lines), citations=examples,
                  sources=[card_source(by_board[b], 1.0) for b in examples],
                  abstained=False, retrieved=examples)
