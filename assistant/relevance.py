"""Evidence per aspect: does a poster support every part of what the question asks?

A question often has a main subject and qualifiers ("NeRF" + "underwater scenes"). The rankers
and the relevance gate (`Search.gate`, `should_abstain`) see one score per poster, so a
poster about the subject alone passes them. Each poster the gate kept therefore gets its
support of the question's weakest aspect (`AspectSupport`), read from its own text and vector:

- `terms`: the IDF-weighted share of that aspect's terms its title and abstract carry;
- `dense`: that aspect's own embedding against the poster's vector.

`supports` is the rule that combines them (a few documented bars, `AspectBars`, chosen on the
dev split by `python -m eval.calibrate --aspects`): for a short topic with two or more aspects
("federated learning on graph data"), a poster is cited only when its weakest aspect is
carried by its words or is close in meaning. When none is, the answer says so and lists the
subject's posters as related. A long descriptive question ("a method that recovers focal
length from a single photo, no checkerboard needed") is not split: its parts are a
description, not qualifiers, and the gate alone decides.

A technical action that is no English word ("quantizing graph neural networks") is an aspect
of its own (`Grounding.aspects`, `acted_on`), as is the basis of "X based Y". A poster that
stands out (first for both rankers, sure, `AspectBars.standout` ahead of the second) is cited
though it does not support every aspect: the question describes it in other words.

An aspect is also carried when the poster says each of its words but its verb forms, wherever
they stand (`lacking`, `verb_forms`): "storing exemplars" by "exemplar-free", not "traffic
forecasting" by a poster forecasting neuron activity.

Evidence per word, for every short topic (`SupportBars`, chosen on dev by
`python -m eval.calibrate --support`):

- `unsupported`: a specific word of the topic (`uncommon`: a number compound such as "1-bit",
  or a word beyond the commonest of English; not a verb form, `verb_forms`, unless it is no
  English word: "quantizing") that none of the posters sharing the rest of the topic carries
  (`carried`: its stem starts a word of the text, hyphens aside, or a word one typo away)
  means the session lacks what is asked:
  "binary quantized diffusion models", "quantum ... on real quantum hardware". The answer
  abstains and lists those posters as related.
- `trimmed`: a poster carrying far less of the topic's IDF weight than the best-supported
  poster, and not nearly as close in meaning, is about a word of the topic, not the topic
  ("video segmentation": not a video-enhancement poster). Long descriptions of one poster get
  the same trim (`Grounding.described`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.text import fold, stems

# Words that join a subject to its qualifiers: "NeRF for underwater scenes", "federated
# learning on graph data", "diffusion models with fewer steps", "EEG based emotion recognition".
_JOINERS = re.compile(
    r"\s+(?:for|on|in|with|using|via|under|from|through|without|applied to|based on|"
    r"that|which|where|when|to|of|by|against|across|over|into|about|based)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class AspectSupport:
    """How well one poster supports a question's weakest aspect."""

    terms: float  # the share of that aspect's IDF weight its title and abstract carry (for an
    # aspect of several terms: 1 when they stand together, see `together`, else 0)
    dense: float  # that aspect's own embedding against the poster's vector (cosine)


@dataclass(frozen=True)
class AspectBars:
    """When a poster is taken not to support one of a short topic's aspects."""

    max_words: int = 3  # aspects longer than this are a description, not a qualifier
    terms: float = 0.5  # the weakest aspect's term share must exceed this ...
    dense: float = 0.45  # ... or its embedding's cosine to the poster must reach this
    slack: int = 6  # an aspect's terms stand together: within this many extra words (a clause)
    standout: float = 0.2  # a poster first for both rankers, sure, and this far ahead of the
    # second in cosine is the one described, whatever words it lacks (`Grounding.standout`;
    # dev and fresh: no near miss or unanswerable has one, the closest 0.18 ahead)


ASPECT_BARS = AspectBars()


@dataclass(frozen=True)
class SupportBars:
    """When a short topic's posters support each of its words (`unsupported`, `trimmed`),
    chosen on the dev split (`python -m eval.calibrate --support`)."""

    titles: int = 3  # ... unless this many of the session's titles say it ("human pose")
    common: int = 5000  # a word among this many commonest English words is a way of asking
    # ("try", "explain", "biggest", "fronts", "random"), not a qualifier every poster must
    # carry (4000 -> 5000: "a single random photo" cites the intrinsics poster; 8000 takes
    # "hardware", rank 6055, for a way of asking: a dev near miss answered)
    share: float = 0.6  # a poster carrying less than this fraction of the best-supported
    # poster's share of the topic's IDF weight ...
    close: float = 0.95  # ... and less close in meaning than this fraction of the best
    # poster's cosine, is about a word of the topic, not the topic: it is not cited; so is
    # one without a qualifier that at most this share of the session's posters carries:
    rare: float = 0.05  # (a title saying a subject's terms this rare is about it: `about`)
    times: int = 2  # a poster saying a short subject this often is about it (`about`);
    # so is one whose title says the subject's head word, unless over this share of posters
    # say it ("models"):
    specific: float = 0.1
    # A poster that does not say a short subject (`about`), whose cosine is below this
    # fraction of the best candidate's ...
    far: float = 0.75
    # ... and whose cosine to the mean of the posters that do say it is below this (or below
    # each of theirs to the mean of the others), is about a word of the subject, not the
    # subject (`Grounding.near_core`; the four tuning sets: 0.5 to 0.55 leave out no right
    # poster, 0.58 two).
    core: float = 0.55
    # A poster found for an example the question names ("text-to-image generation, e.g.
    # editing, fine-tuning") answers when its vector is at least this close to the topic
    # itself (`Search._of_the_topic`); a "fine-tuning" poster on another subject is not.
    example: float = 0.3


SUPPORT_BARS = SupportBars()


def qualified(parts: list[str], bars: AspectBars | None = None) -> bool:
    """Whether a topic's parts are a subject with short qualifiers, which the rule checks
    (one part, or a long description, is left to the gate)."""
    bars = bars or ASPECT_BARS
    return len(parts) > 1 and all(len(part.split()) <= bars.max_words for part in parts)


def supports(support: AspectSupport, bars: AspectBars | None = None) -> bool:
    """Whether a poster supports the weakest aspect of a qualified topic."""
    bars = bars or ASPECT_BARS
    return support.terms > bars.terms or support.dense >= bars.dense


def aspects(topic: str) -> list[str]:
    """The parts of a topic that a poster must each support ("neural radiance fields for
    underwater scenes" -> "neural radiance fields", "underwater scenes"). One part: [topic]."""
    parts = [p.strip(" ,.?!") for p in _JOINERS.split(f" {topic} ")]
    parts = [p for p in parts if re.search(r"[A-Za-z0-9]{3,}", p)]
    return parts if len(parts) > 1 else [topic.strip()]


def one_edit_apart(a: str, b: str) -> bool:
    """Whether `b` is `a` with one letter added, dropped, changed, or two swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
             len(a))
    if len(a) < len(b):
        return a[i:] == b[i + 1:]
    return a[i + 1:] == b[i + 1:] or (a[i + 2:] == b[i + 2:] and a[i:i + 2] == b[i:i + 2][::-1])


def unheard(words: Iterable[str], heard: Callable[[str], bool],
            vocabulary: Iterable[str]) -> list[str]:
    """The words of a short topic that no poster of the session uses ("StarCraft", "backdoor",
    "membership"): no poster can be about what the whole session never says, so the rest of
    the topic only finds related posters. `heard(word)` says whether any poster carries the
    word in some inflection; a word one typo away from a session word ("decent" for
    "descent") is taken for that word, not for a new subject."""
    missing = [word for word in words if not heard(word)]
    if not missing:  # the usual case: no need to read the vocabulary
        return []
    near = [known for known in vocabulary if len(known) >= 5]
    return [word for word in missing if not any(one_edit_apart(word, known) for known in near)]


def together(terms: Iterable[str], words: Sequence[str], slack: int | None = None) -> bool:
    """Whether every one of an aspect's `terms` occurs within a few words of the others in
    `words` (a poster's text, as the same stems): "large language models" is carried by
    "large language models" or "language models at large scale", not by "a large dataset of
    images and captions from many sources ... the vision-language model" (dev: two near
    misses answered right, nothing else changed, with any slack from 2 to 8 words; 6 lets
    "evaluating code generated" meet "Code Generated by ChatGPT Really Correct? Rigorous
    Evaluation")."""
    wanted = set(terms)
    span = len(wanted) + (ASPECT_BARS.slack if slack is None else slack)
    return any(wanted <= set(words[i:i + span]) for i, word in enumerate(words)
               if word in wanted)


def mentions(terms: Iterable[str], words: Sequence[str], slack: int = 2) -> int:
    """How many times a poster's text (`words`, as stems) says a topic's `terms` together
    (each within a span a few words longer than the topic), counting no word twice."""
    wanted = set(terms)
    span = len(wanted) + slack
    count, i = 0, 0
    while i < len(words):
        if words[i] in wanted and wanted <= set(words[i:i + span]):
            count += 1
            i += len(wanted)
        else:
            i += 1
    return count


# A sentence that says what the poster does ("We propose ...", "In this work, ...").
_CONTRIBUTION = re.compile(r"\b(?:we|this (?:paper|work|poster)|our (?:method|approach|"
                           r"framework|model|work))\b", re.IGNORECASE)


def contribution(abstract: str) -> str:
    """The abstract's first sentence and those that say what the poster does."""
    sentences = re.split(r"(?<=[.!?])\s+", abstract.strip())
    return " ".join(s for i, s in enumerate(sentences) if i == 0 or _CONTRIBUTION.search(s))


def about(terms: Iterable[str], title: Sequence[str], claims: Sequence[str],
          words: Sequence[str], specific: Iterable[str] = (),
          bars: SupportBars | None = None) -> bool:
    """Whether a poster is about a short subject (its `terms`) rather than mentioning it in
    passing: its title says one of the subject's `specific` terms (its rare ones: "pruning"
    of "dataset pruning, coresets") or all its terms together; or its first or contribution
    sentence (`contribution`) says them together; or its text does at least
    `SupportBars.times` times ("state space models": not a planning poster that names them
    once among related work). All as stems."""
    bars = bars or SUPPORT_BARS
    terms, specific = set(terms), set(specific)
    title, claims, words = (_onto(terms, title), _onto(terms, claims), _onto(terms, words))
    return (bool(specific & set(title)) or together(terms, title, 2)
            or together(terms, claims, 2) or mentions(terms, words) >= bars.times)


def own_subject(terms: Iterable[str], title: Sequence[str], claims: Sequence[str]) -> bool:
    """Whether a short subject (its `terms`, as stems) is a poster's own main subject: its
    title says all its terms together, and so does its first or contribution sentence
    (`contribution`). Firmer than `about`: such a poster is about the subject whatever the
    rankers make of the question's wording."""
    terms = set(terms)
    return together(terms, _onto(terms, title), 2) and together(terms, _onto(terms, claims), 2)


def _onto(terms: set[str], words: Sequence[str]) -> list[str]:
    """The words, each that starts with a term of four letters or more read as that term
    ("detector" as "detect", "LLMs" as "llm"; British "quantisation" as "quantiz")."""
    long = [t for t in terms if len(t) >= 4]
    return [w if w in terms else next((t for t in long if w.startswith(t)
                                       or w.replace("is", "iz").startswith(t)), w)
            for w in words]


def term_share(weights: Mapping[str, float], terms: set[str]) -> float:
    """The share of `weights` (term -> IDF) that `terms` carries; 1 when nothing is weighed."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in terms) / total if total else 1.0


class LLMJudgement(BaseModel):
    """A model's verdict on the posters offered for a question: the boards that answer it, as
    they were shown (812, or "S3 #812" where sessions reuse a board)."""

    model_config = ConfigDict(extra="forbid")
    relevant: list[int | str]


def judged(reply: str, offered: Iterable[int | str]) -> list[int | str] | None:
    """The boards a model judged relevant, in the order they were offered; None when the reply
    is not a valid verdict or names a board it was not offered (the offline evidence decides
    then: a model that invents a board is not trusted with the others)."""
    try:
        verdict = LLMJudgement.model_validate_json(reply)
    except ValidationError:
        return None
    offered = list(offered)
    if not set(verdict.relevant) <= set(offered):
        return None
    return [b for b in offered if b in verdict.relevant]


def commonness(word: str, ranks: Mapping[str, int]) -> int | None:
    """The word's rank among common English words (0: the commonest), read from its least
    rare plain inflection ("emerges" -> "emerge"); None when it is no common word at all (a
    name, a coined term, "hyperparameters"). `ranks`: a vocabulary in frequency order, as
    WordPiece builds it."""
    w = word.lower()
    forms = {w}
    for ending, back in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"),
                         ("ing", ""), ("ing", "e")):
        if w.endswith(ending) and len(w) - len(ending) >= 3:
            forms.add(w[:-len(ending)] + back)
    found = [ranks[f] for f in forms if f in ranks]
    return min(found) if found else None


def qualifier_words(topic: str) -> list[str]:
    """The topic's words as written, a number compound kept whole ("1-bit", "3D")."""
    return re.findall(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*", topic)


# Words after which an -ing word is a noun ("prompt tuning for vision", "inverse rendering of
# real objects"), not a verb taking an object ("combining observational and ... data").
_AFTER_NOUN = frozenset("for on in with of to from by via under at over into across against "
                        "without using and or".split())


def verb_forms(words: Sequence[str]) -> list[bool]:
    """Which of a topic's words are verb forms, which a poster says in its own words
    ("evaluated", "trained"; "combining" or "growing" with an object after it): a participle
    that ends the topic or comes before a preposition ("models evaluated on ImageNet"), or a
    gerund followed by anything but a preposition. A participle before a noun is an adjective
    that names the kind of thing ("federated learning", "pretrained models"), as is a
    hyphenated compound ("energy-based"); a gerund that ends the topic or comes before a
    preposition names a task ("time series forecasting", "prompt tuning for ...") and stays
    a qualifier; one opening the topic names no task, whatever follows: "chatting with a GPT
    to analyze ..." is what is done (b5o: a chat-interface poster cited, nothing lost)."""
    out = []
    for i, word in enumerate(words):
        w = word.lower()
        after = words[i + 1].lower() if i + 1 < len(words) else None
        out.append(len(w) > 4 and "-" not in w and (
            (w.endswith("ed") and (after is None or after in _AFTER_NOUN))
            or (w.endswith("ing") and after is not None
                and (i == 0 or after not in _AFTER_NOUN))))
    return out


def uncommon(word: str, ranks: Mapping[str, int], bars: SupportBars | None = None) -> bool:
    """Whether a word names something specific enough that a poster about the topic must say
    it: a number compound ("1-bit", "3D"), or a word beyond the commonest of English."""
    bars = bars or SUPPORT_BARS
    if re.search(r"\d", word) and re.search(r"[A-Za-z]", word):
        return True
    if "-" in word:  # a hyphenated pair: each half is weighed as a word of its own
        return False
    rank = commonness(word, ranks)
    return rank is None or rank >= bars.common


def joined(text: str) -> str:
    """Lower-cased text with hyphens inside words dropped ("pre-trained" -> "pretrained",
    "1-bit" -> "1bit"), so a word is found however it is hyphenated."""
    return re.sub(r"(?<=[a-z0-9])-(?=[a-z0-9])", "", text.lower())


def near_forms(word: str) -> list[str]:
    """Other forms of a word that its stem does not start ("leaves" -> "leaf", "knives" ->
    "knife", "chatting" -> "chat", "stopped" -> "stop"), lower-case: a poster saying
    "leaf/wood discrimination" carries the question's "leaves"."""
    w = word.lower()
    forms = []
    for suffix in ("ing", "ed"):  # a doubled consonant before the ending: "chatting"
        base = w[:-len(suffix)]
        if (w.endswith(suffix) and len(base) >= 3 and base[-1] == base[-2]
                and base[-1] not in "aeioulsz"):
            forms.append(base[:-1])
    if w.endswith("ves") and len(w) > 4:  # "leaves", "halves", "knives"
        forms += [w[:-3] + "f", w[:-3] + "fe"]
    return forms


def carried(word: str, stem: str, text: str, words: frozenset[str]) -> bool:
    """Whether a poster's text carries a question's word: a word of the text starts with its
    stem ("binary" -> "binari": "binarized"; "LLMs" -> "llm": "LLM-based"), or the text has
    a word one typo away ("decent": "descent"), or a near form of it (`near_forms`: "leaves":
    "leaf")."""
    keys = {stem.lower(), joined(word), *near_forms(word)}
    if word.lower().endswith("s") and len(word) > 3:
        keys.add(joined(word)[:-1])
    # hyphenated words both joined and apart: "super-resolution" says "resolution"
    plain = f"{joined(text)} {fold(text).replace('-', ' ')}"
    if any(re.search(rf"\b{re.escape(k)}", plain) for k in keys if len(k) >= 2):
        return True
    return len(word) >= 5 and any(one_edit_apart(word.lower(), w) for w in words
                                  if abs(len(w) - len(word)) <= 1)


def lacking(wanted: Sequence[tuple[str, str]], texts: Sequence[tuple[str, frozenset[str]]]
            ) -> list[list[str]]:
    """For each poster (its text and its set of words), the question's specific words (word,
    stem) it does not carry. A poster is cited for a short topic only when it carries every
    one: "diffusion models that design protein sequences" is answered neither by a diffusion
    poster about small molecules nor by a protein-sequence poster without diffusion."""
    return [[word for word, stem in wanted if not carried(word, stem, text, words)]
            for text, words in texts]


def unsupported(wanted: Sequence[tuple[str, str]], texts: Sequence[tuple[str, frozenset[str]]]
                ) -> list[str]:
    """The question's specific words (word, stem) that none of the posters carries: a short
    topic whose posters share its subject but never say "binary", "hardware" or "folding"
    asks for something the session does not have ("binary quantized diffusion models")."""
    lacks = lacking(wanted, texts)
    return [word for word, _ in wanted if all(word in lack for lack in lacks)]


def trimmed(shares: Sequence[float], cosines: Sequence[float],
            bars: SupportBars | None = None) -> list[bool]:
    """Which posters a short topic keeps: each carries at least a fraction of the share of the
    topic's IDF weight that the best-supported poster carries, or is nearly as close in
    meaning as the closest ("video segmentation": not a video poster that never says
    segmentation, nor a segmentation poster without video)."""
    bars = bars or SUPPORT_BARS
    if not shares:
        return []
    best_share, best_cosine = max(shares), max(cosines)
    return [share >= bars.share * best_share or cosine >= bars.close * best_cosine
            for share, cosine in zip(shares, cosines, strict=True)]


# Words that deny what follows or precedes them: "without gradients", "gradient-free",
# "does not require labels", "no simulator", "label-free".
_DENIES_BEFORE = frozenset(stems("without no not non never nor neither lack lacks lacking avoid "
                                 "avoids avoiding eliminate eliminates eliminating free of "
                                 "unlike beyond instead removes removing dispense dispenses"))
_DENIES_AFTER = frozenset(stems("free less agnostic"))


def denied_or_said(terms: Iterable[str], text: str, slack: int = 2) -> tuple[bool, bool]:
    """(whether the text says the terms together anywhere as what it does, whether it says
    them only to deny them) as stems of `text`: "diffusion for images" says "images";
    "gradient-free sampling" and "does not require gradients" deny "gradients"."""
    wanted = set(terms)
    words = _onto(wanted, stems(text))
    span = len(wanted) + slack
    said = denied = False
    for i, word in enumerate(words):
        if word not in wanted or not wanted <= set(words[i:i + span]):
            continue
        end = max(j for j in range(i, min(i + span, len(words))) if words[j] in wanted)
        if _DENIES_BEFORE & set(words[max(0, i - 3):i]) or _DENIES_AFTER & set(
                words[end + 1:end + 2]):
            denied = True
        else:
            said = True
    return said, denied and not said
