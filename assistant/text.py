"""The one place text is read as words: accent folding, tokens, stopwords, sentences and
the two stemmers (a light readable `stem` for names a person reads, and Snowball `stems`
through PyStemmer, exactly as BM25 reads the session)."""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any

_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "ı": "i",
                       "æ": "ae", "œ": "oe"})


def fold(text: str) -> str:
    """Lower-case, accent-free text: "Łukasz Kaiser" -> "lukasz kaiser"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def folded_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text))


_WORD = re.compile(r"[a-z0-9]+")
# A sentence ends at a stop and a space before a capital, or at a stop with no space where
# the page lost it ("tasks.Our method", "DoubleFPN.Extensive", "community.\\textbf{Med-UniC}",
# "feature.CAAFE"); "e.g.", "et al." and "U.S." are no ends (letters before the stop < 3).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])|(?<=[a-z][.!?])(?=[A-Z][a-z])|"
                           r"(?<=[A-Za-z]{3}[.!?])(?=[A-Z][a-z]{2}|[A-Z]{3,}\b|\\textbf\{)")
STOPWORDS = frozenset("""
a about above after again all also am an and any are as at be because been before being between
both but by can could did do does doing down during each few for from further had has have having
he her here hers him his how i if in into is it its itself just me more most my no nor not now of
off on once only or other our out over own same she should so some such than that the their theirs
them then there these they this those through to too under until up very was we were what when
where which while who whom why will with would you your yours anyone anybody someone poster
posters paper papers work session presenting presented show tell find looking something using
use used
""".split())


def clip(text: str, limit: int, mark: str = "…") -> str:
    """`text` cut to at most `limit` characters, between words when a word boundary is in
    its second half (half a word would read as a typo), then `mark`."""
    if len(text) <= limit:
        return text
    room = limit - len(mark)
    cut = text[:room + 1]  # one more: a word that ends just at the limit stays whole
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut[:room]).rstrip() + mark


def counted(n: int, noun: str) -> str:
    """ "1 poster", "2 posters": a number with its noun in the right number."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1]


def is_question(sentence: str) -> bool:
    """Whether a sentence asks rather than states ("How could we introduce ...?")."""
    return sentence.rstrip(" \"'”’)").endswith("?")


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def stem(word: str) -> str:
    """A light stem that stays readable (sub-theme names are built from it): "simulate",
    "simulator" and "simulations" are one term, as are "estimate" and "estimation"."""
    # "expressive", "expressivity" and "expressiveness" are one term ("expressiv"), as are
    # "robust" and "robustness"
    for suffix, kept in (("iveness", "iv"), ("ivities", "iv"), ("ivity", "iv"), ("ive", "iv"),
                         ("ness", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)] + kept
    for suffix in ("ations", "ators", "ation", "ator", "ates", "ings", "ing", "ies", "ate", "es",
                   "s", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def snowball_stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


_per_thread = threading.local()  # a Snowball stemmer is not safe to share between threads


def stems(text: str) -> list[str]:
    """The text's words as BM25's Snowball stemmer reads them, in order ("generating" and
    "generation" are both "generat", which the answerer's light `stem` keeps apart)."""
    stemmer = getattr(_per_thread, "stemmer", None)
    if stemmer is None:
        stemmer = _per_thread.stemmer = snowball_stemmer()
    return stemmer.stemWords(re.findall(r"[a-z0-9]+", fold(text)))
