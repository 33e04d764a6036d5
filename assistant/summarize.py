"""Summaries of a research area, and of the whole session, grouped into sub-themes.

An area's posters are all that clear the relevance bar (up to a cap), not a fixed top k; they
are clustered on their stored embeddings, each sub-theme is named by its distinctive terms, and
each is written up as an extractive digest, or by the LLM through the same citation guard.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from assistant.answer import CANNOT_ANSWER, Answer, card_source, contribution_sentence, quoted
from assistant.retrieve import ANY_POSTER, PosterFilter

MAX_THEMES = 6


@dataclass
class Theme:
    label: str
    terms: list[str]
    boards: list[int]
    summary: str


@dataclass
class Summary:
    area: str
    themes: list[Theme] = field(default_factory=list)
    boards: list[int] = field(default_factory=list)
    overview: str = ""
    backend: str = "extractive"
    notice: str = ""

    def to_json(self) -> dict:
        return {"area": self.area, "themes": [asdict(t) for t in self.themes],
                "boards": self.boards, "overview": self.overview, "backend": self.backend}

    def markdown(self) -> str:
        if not self.boards:
            return self.overview
        parts = [f"**{self.area}** across the session — {self.overview}"]
        for theme in self.themes:
            parts.append(f"\n**{theme.label}** ({len(theme.boards)})\n{theme.summary}")
        return "\n".join(parts)


def board_ranges(boards: list[int], gap: int = 3) -> str:
    """"#101–#108, #512, #903–#926": runs of nearby boards, so a visitor knows where to walk."""
    runs: list[list[int]] = []
    for board in sorted(boards):
        if runs and board - runs[-1][-1] <= gap:
            runs[-1].append(board)
        else:
            runs.append([board])
    return ", ".join(f"#{r[0]}" if len(r) == 1 else f"#{r[0]}–#{r[-1]}" for r in runs)


def overview_line(cards: list[dict]) -> str:
    orals = sum(c["kind"] == "oral" for c in cards)
    spotlights = sum(c["kind"] == "spotlight" for c in cards)
    return (f"{len(cards)} posters ({orals} oral, {spotlights} spotlight); boards "
            f"{board_ranges([c['board'] for c in cards])}.")


def group_posters(vectors, texts: list[str]) -> list[tuple[list[int], list[str]]]:
    """Sub-themes as (indices, distinctive terms), largest first: 2-6 groups, or one when few."""
    import numpy as np

    from assistant.themes import choose_k, distinctive_terms, kmeans

    n = len(texts)
    k = 1 if n < 6 else choose_k(vectors, 2, min(MAX_THEMES, n // 3))
    labels = np.zeros(n, dtype=int) if k == 1 else kmeans(vectors, k)
    terms = distinctive_terms(texts, labels, top_n=4)
    groups = [([i for i in range(n) if labels[i] == g], terms[g]) for g in range(k)]
    return sorted(groups, key=lambda group: -len(group[0]))


def digest(area: str, cards: list[dict]) -> str:
    """Each poster's board, title and the sentence that best states its contribution."""
    return "\n".join(f"- [#{c['board']}] **{quoted(c['title'])}** — "
                     f"{contribution_sentence(area, c['abstract'])}" for c in cards)


def summarize(assistant, area: str, max_posters: int = 30,
              where: PosterFilter = ANY_POSTER) -> Summary:
    from assistant.ask import should_abstain
    from assistant.themes import label_of
    from assistant.understand import strip_frame

    query = strip_frame(area)
    candidates = assistant.candidates(query, where, "hybrid")
    if should_abstain(assistant.evidence(query, candidates), assistant.settings):
        return Summary(area=area, overview=CANNOT_ANSWER)
    kept = assistant.gate(candidates, inclusive=True)[:max_posters]
    cards = [assistant.index.cards[c.key] for c in kept]
    vectors = assistant.index.vectors([c.key for c in kept])
    texts = [f"{c['title']}. {c['abstract']}" for c in cards]
    summary = Summary(area=area, boards=[c["board"] for c in cards],
                      overview=overview_line(cards), backend=assistant.backend_label)
    for indices, terms in group_posters(vectors, texts):
        members = [cards[i] for i in indices]
        label = label_of(terms) or area
        text = write_theme(assistant, area, label, members, summary)
        summary.themes.append(Theme(label=label, terms=terms,
                                    boards=[c["board"] for c in members], summary=text))
    return summary


def write_theme(assistant, area: str, label: str, cards: list[dict], summary: Summary) -> str:
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
        valid_citations=" ".join(f"[#{c['board']}]" for c in cards))
    try:
        written = assistant.llm.complete([{"role": "user", "content": prompt}])
    except LLMError as err:
        summary.notice = f"The LLM failed: {err}. Showing extractive digests."
        summary.backend = "extractive"
        return digest(area, cards)
    guarded = guard_citations(written, [c["board"] for c in cards])
    if not guarded.citations:
        summary.notice = "Some sub-themes show the extractive digest: the model cited no poster."
        return digest(area, cards)
    return guarded.text.strip()


def summary_answer(summary: Summary, assistant) -> Answer:
    cards = [assistant.index.by_board[b] for b in summary.boards]
    return Answer(answer=summary.markdown(), citations=summary.boards,
                  sources=[card_source(c, 1.0) for c in cards], abstained=not summary.boards,
                  backend=summary.backend, notice=summary.notice, retrieved=summary.boards)


def session_overview(assistant) -> Answer:
    """"What's in this session?": the themes of the map, with counts and example boards."""
    theme_map = assistant.index.theme_map
    cards = assistant.cards
    if theme_map is None:
        return Answer(answer=f"{len(cards)} posters; run `posters ingest --rebuild` to compute "
                      "the session's themes.", citations=[], sources=[], abstained=False)
    lines = [f"{len(cards)} posters in {len(theme_map.themes)} themes (largest first):"]
    examples: list[int] = []
    for theme in theme_map.themes:
        shown = theme["boards"][:3]
        examples += shown
        lines.append(f"- **{theme['label']}** — {len(theme['boards'])} posters, e.g. "
                     + " ".join(f"[#{b}]" for b in shown))
    return Answer(answer="\n".join(lines), citations=examples,
                  sources=[card_source(assistant.index.by_board[b], 1.0) for b in examples],
                  abstained=False, retrieved=examples)
