"""The real Gradio app on a free local port, driven over HTTP with gradio_client."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from tests.conftest import poster

pytestmark = pytest.mark.slow
ALL_KINDS = ["poster", "spotlight", "oral"]


def ask(client, question, history=(), kinds=ALL_KINDS, lo=100, hi=2026):
    history, sources, _choices = client.predict(question, list(history), kinds, lo, hi,
                                                api_name="/chat")
    return history, "".join(p["text"] for p in history[-1]["content"]), sources


def cited(text: str) -> list[int]:
    return [int(b) for b in re.findall(r"\[#(\d+)\]", text)]


def test_lookup_returns_a_valid_citation_and_its_card(client):
    _, text, sources = ask(client, "Is anyone generating synthetic MILP instances for solvers?")
    assert cited(text)[0] == 100
    assert 'class="cite"' in text and "answered by" not in text and "extractive" not in text
    assert 'id="poster-100"' in sources and "relevance" in sources


def test_follow_up_uses_the_history(client):
    history, first, _ = ask(client, "Which posters are about federated learning?")
    boards = cited(first)
    assert len(boards) >= 2
    _, second, _ = ask(client, "tell me more about the second one", history)
    assert cited(second) == [boards[1]]
    _, authors, _ = ask(client, "who wrote the first one?", history)
    assert cited(authors) == [boards[0]] and " is by " in authors


def test_the_app_with_its_default_filters_answers_as_the_cli_does(client, real_assistant):
    # The Filters tab starts at the session's whole range, every kind: that hides nothing,
    # so the answer is the one `posters ask` gives, not one judged "within the filters".
    for question in ("Is anyone using diffusion models to design drug molecules?",
                     "grpah contrastive lerning", "Which posters are about federated learning?"):
        _, text, _ = ask(client, question)
        assert cited(text) == real_assistant.ask(question).citations, question


def test_filters_change_the_result(client):
    _, unfiltered, _ = ask(client, "Which posters are about diffusion models?")
    _, orals, _ = ask(client, "Which posters are about diffusion models?", kinds=["oral"])
    _, low, _ = ask(client, "Which posters are about diffusion models?", lo=100, hi=399)
    assert set(cited(unfiltered)) != set(cited(orals))
    assert cited(low) and all(b <= 399 for b in cited(low))
    assert any(b > 399 for b in cited(unfiltered))


def test_reading_list_export_holds_the_starred_boards(client):
    ask(client, "What's at #813?")
    listing = client.predict(["#813 · Scaling", "#100 · A Deep Instance"], api_name="/star")
    assert listing.index("#100") < listing.index("#813")
    md_path, csv_path = client.predict(api_name="/export")
    assert "#100" in Path(md_path).read_text(encoding="utf-8")
    with open(csv_path, encoding="utf-8") as handle:
        assert [row["board"] for row in csv.DictReader(handle)] == ["100", "813"]


def test_the_reading_list_export_reads_tex_as_text(client):
    """#1404's title is `Learning Large-Scale MTP$_2$ Gaussian ...`: the downloaded list (.md
    and .csv) names it as the page does."""
    client.predict(["#1404 · Learning"], api_name="/star")
    md_path, csv_path = client.predict(api_name="/export")
    md = Path(md_path).read_text(encoding="utf-8")
    assert "(poster) Learning Large-Scale MTP₂ Gaussian Graphical Models" in md and "$" not in md
    with open(csv_path, encoding="utf-8") as handle:
        titles = [row["title"] for row in csv.DictReader(handle)]
    assert titles == ["Learning Large-Scale MTP₂ Gaussian Graphical Models via Bridge-Block "
                      "Decomposition"]


def test_off_topic_question_abstains_without_citations(client):
    _, text, _ = ask(client, "Who won the 2022 World Cup?")
    assert "do not seem to cover" in text and not cited(text)


def test_markup_in_a_question_is_not_rendered_as_html(client):
    _, text, _ = ask(client, "<img src=x onerror=alert(1)> diffusion")
    assert "<img" not in text


def test_the_map_highlights_the_posters_of_the_answer(client):
    history, _sources, _choices = client.predict(
        "Which posters are about federated learning?", [], ALL_KINDS, 100, 2026,
        api_name="/chat")
    drawn = client.predict(api_name="/map")
    text = "".join(p["text"] for p in history[-1]["content"])
    marked = {int(b) for b in re.findall(r'class="pt hit"[^>]*data-board="(\d+)"', drawn)}
    assert len(re.findall(r"<circle ", drawn)) == 391 and marked == set(cited(text))
    assert drawn.count('data-act="theme"') >= 10  # a legend that asks about each theme
    # ... by the name it shows, a phrase its posters write, not a pair of terms
    for topic, shown in re.findall(r'data-topic="([^"]*)"[^>]*>.*?</span>\d+ ([^<]*) \(\d+\)',
                                   drawn):
        assert topic == shown and "·" not in shown


def test_an_inverted_board_range_is_swapped_and_said_above_the_answer(client):
    _, text, _ = ask(client, "Which posters are about diffusion models?", lo=399, hi=100)
    first_line = text.splitlines()[0]
    assert "boards #100–#399" in first_line and "swapped" in first_line
    assert cited(text) and all(100 <= b <= 399 for b in cited(text))
    _, plain, _ = ask(client, "Which posters are about diffusion models?")
    assert "Filters:" not in plain  # nothing said when nothing is hidden


def test_a_session_keeps_no_copy_of_each_answer(real_assistant):
    """Memory stays flat: Gradio once filed a new copy of the sources panel in the session
    for every answer (a gr.skip() while streaming); a long chat must not grow the session."""
    from gradio_client import Client

    from assistant.app import launch
    from tests.conftest import free_port

    port = free_port()
    demo = launch(real_assistant, port=port, block=False)
    try:
        client = Client(f"http://127.0.0.1:{port}", analytics_enabled=False, verbose=False)
        ask(client, "Which posters are about federated learning?")
        session = demo.state_holder[client.session_hash]
        before = len(session.blocks_config.blocks)
        for question in ["What is at #813?", "diffusion for video editing",
                         "Which posters are orals?", "scaling laws", "protein design"] * 2:
            ask(client, question)
        assert len(session.blocks_config.blocks) == before
        client.close()
    finally:
        demo.close()


def test_a_follow_up_in_the_app_reads_the_whole_previous_result_set(client):
    """The session keeps the last turn's plan and results: "only the orals" narrows the
    previous question, and "which of those" looks among all its posters."""
    history, _, _ = ask(client, "Which posters are about diffusion models?")
    history, orals, _ = ask(client, "only the orals", history)
    assert cited(orals) == [615]
    _, spotlights, _ = ask(client, "which of those are spotlights?", history[:2])
    assert cited(spotlights) and not set(cited(spotlights)) & {615}


def test_the_conversation_exports_as_markdown_with_titles():
    """Citations resolved to titles and authors under each answer; questions as typed."""
    from assistant.app import conversation_markdown, question_markdown

    cards = {813: poster(813, title="Scaling Data-Constrained Language Models",
                         authors=("N. M.",))}
    history = [{"role": "assistant", "content": "Welcome"},
               {"role": "user", "content": question_markdown("what's at *#813*?")},
               {"role": "assistant", "content": "<abbr>rendered</abbr>"}]
    answers = {"2": {"answer": "**Scaling** [#813] (oral)", "citations": [813],
                     "filters": "Filters: kinds: oral"}}
    text = conversation_markdown(history, answers, cards, "Poster Session 2")
    assert "**You:** what's at *#813*?" in text
    assert "**Assistant:** **Scaling** [#813] (oral)" in text
    assert "- [#813] Scaling Data-Constrained Language Models — N. M." in text
    assert "_Filters: kinds: oral_" in text and "<abbr>" not in text


def test_a_reading_list_walks_the_hall_by_hundreds_and_reads_back():
    from assistant.app import boards_in_list, shared_boards, walking_groups, write_reading_list

    known = {b: poster(b, title=f"T{b}", authors=("A",)) for b in (100, 105, 813, 1305)}
    assert walking_groups([813, 100, 1305, 105]) == [
        ("#100-#199", [100, 105]), ("#800-#899", [813]), ("#1300-#1399", [1305])]
    md, table = write_reading_list([1305, 100, 813], known, "S")
    written = Path(md).read_text(encoding="utf-8")
    assert written.index("## #100-#199") < written.index("#100") < written.index("## #800")
    assert boards_in_list(written, known) == [100, 813, 1305]
    assert boards_in_list(Path(table).read_text(encoding="utf-8"), known) == [100, 813, 1305]
    assert shared_boards("813,100,9999,813", known) == [813, 100]


@pytest.mark.parametrize(("tex", "text"), [
    ("a $\\mathcal{O}(\\epsilon^{-3})$ bound", "a O(ε⁻³) bound"),
    ("textures (2048$\\times$2048) for", "textures (2048×2048) for"),
    ("up to $30\\\\%$ faster", "up to 30% faster"),  # an escape written twice
    ("$\\Theta(\\sqrt{\\min\\\\{n,\\kappa\\\\}})$", "Θ(√(min{n,κ}))"),
    ("$\\lambda^H_t$ and $\\ell_2$, $\\frac{1}{\\sqrt{SKT}}$", "λᴴₜ and ℓ₂, 1/√SKT"),
    ("a \\textbf{federated class incremental learning} framework",
     "a federated class incremental learning framework"),
    ("they are {\\em interpretable}, and \\$40 billion", "they are interpretable, and $40 billion"),
    ("at \\url{https://x.org/a_b}.", "at https://x.org/a_b."),
    ("costs $5 and $10 each", "costs $5 and $10 each"),  # money, not math
    ("C:\\Users\\me {x} and snake_case", "C:\\Users\\me {x} and snake_case"),  # not TeX
    ("see [#812] and $x$ [#813]", "see [#812] and x [#813]"),
    # TeX's typography: quotes, dashes and ties, only between words
    ("the Tsallis KL divergence---called", "the Tsallis KL divergence—called"),
    ("a 2--10x speedup in Backus--Naur Form -- and more",
     "a 2–10x speedup in Backus–Naur Form – and more"),
    ("Sinkhorn Step ``transports'' local", "Sinkhorn Step “transports” local"),
    ("Low Rank Adapters~(LoRA), Hsu et al.~(2019)", "Low Rank Adapters (LoRA), Hsu et al. (2019)"),
    ("| a | --- |\n---\nrun --fast with ~15% more", "| a | --- |\n---\nrun --fast with ~15% more"),
])
def test_tex_reads_as_plain_text(tex, text):
    from assistant.safe_text import readable_tex

    assert readable_tex(tex) == text


def test_every_marked_dot_gets_a_label_apart_from_the_rest_even_in_a_crowd():
    """A tight cluster of cited posters under two theme numbers: no place beside a dot is
    free for the later ones, so their labels go farther out, tied to the dot by a line."""
    from assistant.app import DOT_R, LABEL_SIZE, crosses, meets, place_labels, text_box

    marks = [(f"#{500 + i}", 300 + 3 * i, 200 + 2 * i) for i in range(12)]
    numbers, labels = place_labels([("1", 305, 205), ("2", 310, 205)], marks)
    assert [t for t, *_ in labels] == [t for t, *_ in marks] and len(numbers) == 2
    boxes = [text_box(t, x, y, LABEL_SIZE, a) for t, x, y, a, _ in labels]
    boxes += [text_box(t, x, y, 20, a) for t, x, y, a in numbers]
    assert not any(meets(a, b, 0) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    dots = {t: (x, y) for t, x, y in marks}
    tied = [(label, box) for label, box in zip(labels, boxes, strict=False) if label[4]]
    assert tied  # the crowd needed some
    for (text, *_, line), box in tied:
        x, y = dots[text]  # from the dot's edge to the label's box, over no other text
        assert abs((line[0] - x) ** 2 + (line[1] - y) ** 2 - DOT_R ** 2) < 0.01
        assert box[0] <= line[2] <= box[2] and box[1] <= line[3] <= box[3]
        assert not any(crosses(line, other) for other in boxes if other != box)


def suggested_questions(client) -> list[str]:
    """What the running page suggests asking: the example chips and the example quoted in the
    message box's placeholder (read from the page's own configuration)."""
    props = {c["props"].get("elem_id"): c["props"] for c in client.config["components"]}
    quoted = re.findall(r"e\.g\. '([^']+)'", props["msg"]["placeholder"])
    return quoted + [sample[0] for sample in props["examples"]["samples"]]


def test_every_question_the_page_suggests_gets_a_cited_answer(client):
    """A suggestion the assistant refuses is the worst first impression: each chip and the
    placeholder's example, asked as the page would ask it, is answered with citations."""
    suggested = suggested_questions(client)
    assert len(suggested) == 7  # the placeholder's example and six chips
    for question in suggested:
        _, text, sources = ask(client, question)
        assert "do not seem to cover" not in text and cited(text), question
        assert 'class="poster-card"' in sources, question


def card_heads(sources: str) -> list[str]:
    """The head line of each card of this answer, as the Sources tab shows it."""
    now = sources.split("Earlier in this conversation")[0]
    return [re.sub(r"<[^>]+>", "", head) for head in
            re.findall(r'<div class="pc-head">(.*?)</div>', now)]


def test_a_relevance_is_shown_only_for_posters_a_search_ranked(client):
    """An author's posters, a summary, a board and a filter's listing are not ranked: their
    cards said "relevance 1.00", a number that meant nothing; a topic's posters show theirs."""
    for question in ("What is Bernhard Schölkopf presenting?",
                     "Summarize the work on federated learning", "What's at #813?",
                     "Which posters are orals?"):
        _, _, sources = ask(client, question)
        heads = card_heads(sources)
        assert heads and not any("relevance" in head for head in heads), (question, heads)
    _, _, sources = ask(client, "Which posters are about federated learning?")
    heads = card_heads(sources)
    assert len(heads) >= 2 and all(re.search(r"relevance 0\.\d\d", h) for h in heads), heads
