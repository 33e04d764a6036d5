"""Evidence per aspect: does a poster support every part of what the question asks?

A question often has a main subject and qualifiers ("NeRF" + "underwater scenes"). The rankers
and the relevance gate (`Assistant.gate`, `should_abstain`) see one score per poster, so a
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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, ValidationError

# Words that join a subject to its qualifiers: "NeRF for underwater scenes", "federated
# learning on graph data", "diffusion models with fewer steps".
_JOINERS = re.compile(
    r"\s+(?:for|on|in|with|using|via|under|from|through|without|applied to|based on|"
    r"that|which|where|when|to|of|by|against|across|over|into|about)\s+", re.IGNORECASE)


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


ASPECT_BARS = AspectBars()


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
