"""One generation of the store as a turn sees it (`OpenedStore`), with the per-poster word
views the search and grounding read, each computed once per generation."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant import relevance
from assistant.catalog import CardIndex
from assistant.citations import Ref
from assistant.poster import Poster, PosterKey
from assistant.retrieve import PosterFilter
from assistant.text import STOPWORDS, fold, stem, stems
from assistant.understand import (
    FIELD_ACRONYMS,
    TitleIndex,
    Vocabulary,
    acronyms,
    index_titles,
)

if TYPE_CHECKING:
    from assistant.index import PosterIndex


def term_set(text: str) -> set[str]:
    """Stemmed content terms, hyphenated words split ("LLM-based" -> llm, based)."""
    return {stem(w) for w in re.findall(r"[a-z0-9]+", fold(text))
            if len(w) > 2 and w not in STOPWORDS}


@dataclass
class OpenedStore:
    """One generation of the store as a turn sees it: replaced whole when an ingest publishes
    a newer one, so a turn never mixes two generations."""

    index: PosterIndex
    cards: list[Poster]
    sessions: list[str]
    df: dict[str, int]
    card_indexes: dict[PosterFilter, CardIndex] = field(default_factory=dict)
    card_index_lock: threading.Lock = field(default_factory=threading.Lock)
    _titles: TitleIndex | None = None
    _vocabulary: Vocabulary | None = None
    _acronyms: dict[str, str] | None = None
    _names: dict[str, str] | None = None
    _titles_saying: dict[frozenset[str], int] = field(default_factory=dict)
    _terms: dict[PosterKey, frozenset[str]] = field(default_factory=dict)
    _words: dict[PosterKey, tuple[str, ...]] = field(default_factory=dict)
    _title_terms: dict[Ref, frozenset[str]] = field(default_factory=dict)
    _stem_sets: dict[PosterKey, frozenset[str]] = field(default_factory=dict)
    _plain: dict[PosterKey, tuple[str, frozenset[str]]] = field(default_factory=dict)
    _stem_df: dict[str, int] | None = None
    _joined: dict[PosterKey, tuple[str, ...]] = field(default_factory=dict)
    _joined_df: dict[str, int] | None = None
    _headline: dict[PosterKey, tuple[tuple[str, ...], tuple[str, ...]]] = field(
        default_factory=dict)

    def joined_words(self, key: PosterKey) -> tuple[str, ...]:
        """A poster's title and abstract as stems, hyphenated words joined ("multi-objective"
        -> one stem, as "multiobjective" is), computed once per poster."""
        found = self._joined.get(key)
        if found is None:
            card = self.index.cards[key]
            found = self._joined[key] = tuple(stems(relevance.joined(
                f"{card.title} . {card.abstract}")))
        return found

    def headline(self, key: PosterKey) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """A poster's title and its claims (first and contribution sentences:
        `relevance.contribution`) as stems, each with hyphenated words both joined and apart
        ("Gaussian-Stein" says "Stein"), as `relevance.about` reads them; once per poster."""
        found = self._headline.get(key)
        if found is None:
            card = self.index.cards[key]
            claims = relevance.contribution(card.abstract)
            found = self._headline[key] = tuple(
                (*stems(relevance.joined(text)), ".", *stems(text), ".",
                 *stems(self.spelt(text)))
                for text in (card.title, claims))
        return found

    def spelt(self, text: str) -> str:
        """Only the text's acronyms the session defines, spelt out ("Quantized LLMs" ->
        "large language models"): a title saying the acronym says the subject."""
        table = self.acronyms()
        found = []
        for word, plural in re.findall(r"\b([A-Z][A-Za-z0-9]*[A-Z])(s?)\b", text):
            if word in table:
                spelt = table[word]
                found.append(spelt if spelt.endswith("s") else spelt + plural)
        return " ".join(found)

    def joined_df(self) -> dict[str, int]:
        """How many posters carry each stem of `joined_words` (once per generation)."""
        if self._joined_df is None:
            self._joined_df = self._df(lambda key: set(self.joined_words(key)))
        return self._joined_df

    def _df(self, stems_of: Callable[[PosterKey], Iterable[str]]) -> dict[str, int]:
        """How many posters' `stems_of` hold each stem."""
        return dict(Counter(t for key in self.index.cards for t in stems_of(key)))

    def stem_set(self, key: PosterKey) -> frozenset[str]:
        """A poster's title and abstract as a set of Snowball stems (once per poster)."""
        found = self._stem_sets.get(key)
        if found is None:
            found = self._stem_sets[key] = frozenset(self.words(key))
        return found

    def said_stems(self, key: PosterKey) -> frozenset[str]:
        """`stem_set` and the acronyms whose long form the poster writes (`plain`): "LLM" is
        said by a poster writing "large language model"."""
        text, _ = self.plain(key)
        card = self.index.cards[key]
        added = text[len(f"{card.title} . {card.abstract}"):]
        return self.stem_set(key) | frozenset(stems(added)) if added else self.stem_set(key)

    def stem_df(self) -> dict[str, int]:
        """How many posters carry each Snowball stem (once per generation)."""
        if self._stem_df is None:
            self._stem_df = self._df(self.stem_set)
        return self._stem_df

    def plain(self, key: PosterKey) -> tuple[str, frozenset[str]]:
        """A poster's title and abstract as written (and the acronyms whose long form it
        writes), and its set of lower-case words."""
        found = self._plain.get(key)
        if found is None:
            card = self.index.cards[key]
            text = f"{card.title} . {card.abstract}"
            # A poster writing an acronym's long form carries the acronym ("partial
            # differential equations": "PDEs"), as the question may say it either way.
            said = fold(text)
            # (in the singular too: "a large language model society" says "LLMs")
            shorts = [short for short, spelt in self.acronyms().items()
                      if fold(short) not in said and (fold(spelt) in said or (
                          spelt.endswith("s") and re.search(
                              rf"\b{re.escape(fold(spelt)[:-1])}\b", said)))]
            if shorts:
                text = f"{text} . {' '.join(shorts)}"
            found = self._plain[key] = (text, frozenset(re.findall(r"[a-z]+", fold(text))))
        return found

    def terms(self, key: PosterKey) -> frozenset[str]:
        """A poster's title and abstract terms (computed once per generation)."""
        found = self._terms.get(key)
        if found is None:
            found = self._terms[key] = self.index.poster_terms(key)  # saved at ingest
        return found

    def words(self, key: PosterKey) -> tuple[str, ...]:
        """A poster's title and abstract as a sequence of Snowball stems (`text.stems`),
        computed once per poster."""
        found = self._words.get(key)
        if found is None:
            card = self.index.cards[key]
            found = self._words[key] = tuple(stems(f"{card.title} . {card.abstract}"))
        return found

    def title_terms(self, ref: Ref) -> frozenset[str]:
        """A poster's title terms ("with 'distillation' in the title")."""
        found = self._title_terms.get(ref)
        if found is None:
            title = self.index.by_board[ref].title
            found = self._title_terms[ref] = frozenset(term_set(title))
        return found

    def carrying(self, terms: set[str] | frozenset[str]) -> set[PosterKey]:
        """The posters whose title and abstract carry every one of `terms` (none for no
        terms)."""
        return {key for key in self.index.cards if terms and terms <= self.terms(key)}

    def titles_saying(self, terms: frozenset[str]) -> int:
        """How many posters' titles carry every one of `terms` (once per set of terms: the
        grounding asks it of each qualifier of each question)."""
        found = self._titles_saying.get(terms)
        if found is None:
            found = self._titles_saying[terms] = sum(
                terms <= self.title_terms(c.ref) for c in self.cards) if terms else 0
        return found

    def titles(self) -> TitleIndex:
        """The titles' words and coined names, for questions that name a paper."""
        if self._titles is None:
            self._titles = index_titles(self.cards)
        return self._titles

    def vocabulary(self) -> Vocabulary:
        """The session's words, for correcting typos in a question."""
        if self._vocabulary is None:
            from assistant.embedding import dictionary_words

            self._vocabulary = Vocabulary.of(
                (c.text for c in self.cards), dictionary_words())
        return self._vocabulary

    def written_names(self) -> dict[str, str]:
        """The names the session writes with two capitals or more ("LoRA", "NeRF"), each as
        most often written, by its lower case."""
        if self._names is None:
            seen = Counter(token for c in self.cards for token in re.findall(
                r"\b[A-Za-z][A-Za-z0-9]*\b", f"{c.title} {c.abstract}"))
            names: dict[str, str] = {}
            for token, _ in seen.most_common():  # its commonest casing decides
                names.setdefault(token.lower(), token)
            # a word mostly written plainly ("Transformer", once "TRansformer") is no name
            self._names = {low: token for low, token in names.items()
                           if sum(ch.isupper() for ch in token) >= 2}
        return self._names

    def acronyms(self) -> dict[str, str]:
        """The acronyms the session's abstracts define ("BO" -> "Bayesian optimization")."""
        if self._acronyms is None:
            # The field's acronyms only where the session never writes the short form: one
            # it writes ("EEG") is found as written, and its own definitions come first.
            written = self.vocabulary().counts
            unwritten = {short: long_form for short, long_form in FIELD_ACRONYMS.items()
                         if not written.get(fold(short))}
            self._acronyms = {**unwritten,
                              **acronyms(c.text for c in self.cards)}
        return self._acronyms

    @classmethod
    def of(cls, index: PosterIndex) -> OpenedStore:
        cards = list(index.cards.values())
        return cls(index, cards, sorted({card.session for card in cards}),
                   index.document_frequencies)
