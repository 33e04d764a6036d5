"""The Gradio chat app: the same `Assistant.ask` as the CLI, with cards, filters and a reading list.

Endpoints for gradio_client: `/chat` (message, history, kinds, board_min, board_max) ->
(history, sources_html, star choices), `/star` (boards) -> reading list, `/export` -> files.
"""

from __future__ import annotations

import csv
import html
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.answer import Answer
from assistant.ask import Assistant, QuestionError
from assistant.followup import Turn
from assistant.retrieve import PosterFilter

KINDS = ["poster", "spotlight", "oral"]
ALL_SESSIONS = "All sessions"
CITATION = re.compile(r"\[#(\d+)\]")
EXAMPLES = [
    "Is anyone generating synthetic MILP instances for solvers?",
    "What is Bernhard Schölkopf presenting?",
    "Summarize the work on federated learning",
    "What's at #813?",
    "Which posters are orals?",
    "Which posters are about diffusion models for video?",
]

CSS = """
.poster-card{border:1px solid var(--border-color-primary);border-radius:8px;padding:8px 10px;
  margin:6px 0;background:var(--background-fill-secondary)}
.poster-card.flash{outline:3px solid var(--color-accent)}
.pc-head{font-size:.8em;opacity:.75}.pc-title{font-weight:600;margin:2px 0}
.pc-authors{font-style:italic;font-size:.88em}.pc-abstract{font-size:.86em;margin-top:4px;
  max-height:9em;overflow:auto}
abbr.cite{cursor:pointer;text-decoration:underline dotted;color:var(--color-accent);
  font-weight:600}
#cite-pop{position:fixed;z-index:9999;max-width:420px;display:none;
  box-shadow:0 4px 18px rgba(0,0,0,.25);border-radius:8px;background:var(--background-fill-primary)}
#cite-pop .pc-abstract{max-height:14em}
.sources-h{font-weight:600;margin-top:8px}
"""

# Document-level listeners survive the chatbot re-rendering while it streams. The popover is a
# clone of the (server-escaped) card in the sources panel: no string becomes HTML here.
HEAD = """
<script>
(function () {
  if (window.__postersCite) return; window.__postersCite = true;
  function pop() {
    var el = document.getElementById('cite-pop');
    if (!el) { el = document.createElement('div'); el.id = 'cite-pop';
      (document.querySelector('.gradio-container') || document.body).appendChild(el); }
    return el;
  }
  function citeOf(t) { return t && t.closest ? t.closest('abbr.cite') : null; }
  function boardOf(c) { return (c.textContent.match(/#(\\d+)/) || [])[1]; }
  function show(c) {
    var card = document.getElementById('poster-' + boardOf(c)); if (!card) return;
    var p = pop(); p.replaceChildren(card.cloneNode(true)); p.firstChild.removeAttribute('id');
    var r = c.getBoundingClientRect();
    p.style.left = Math.max(8, Math.min(r.left, window.innerWidth - 430)) + 'px';
    p.style.top = (r.bottom + 6) + 'px'; p.style.display = 'block';
  }
  document.addEventListener('mouseover', function (e) {
    var c = citeOf(e.target); if (c) show(c); });
  document.addEventListener('mouseout', function (e) {
    if (citeOf(e.target)) pop().style.display = 'none'; });
  document.addEventListener('click', function (e) {
    var c = citeOf(e.target); if (!c) return; e.preventDefault(); show(c);
    var card = document.getElementById('poster-' + boardOf(c));
    if (card) { card.scrollIntoView({block: 'nearest'}); card.classList.add('flash');
      setTimeout(function () { card.classList.remove('flash'); }, 1500); }
  });
})();
</script>
"""


def text_of(content: Any) -> str:
    """Gradio 6 hands back message content as a list of parts even when given a string."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    return "".join(part.get("text", "") for part in content or [] if isinstance(part, dict))


def previous_turn(history: list[dict]) -> Turn | None:
    """The last question and the boards its answer cited, read back from the history."""
    question, boards = None, None
    for message in reversed(history or []):
        text = text_of(message.get("content"))
        if message.get("role") == "assistant" and boards is None:
            boards = list(dict.fromkeys(int(b) for b in CITATION.findall(text)))
        elif message.get("role") == "user" and boards is not None:
            question = text
            break
    answer = next((text_of(m.get("content")) for m in reversed(history or [])
                   if m.get("role") == "assistant"), "")
    return Turn(question, boards, re.sub(r"<[^>]+>", "", answer)) if question else None


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


def card_html(card: dict, score: float | None = None) -> str:
    award = f" · {escape(card['award'])}" if card["award"] else ""
    relevance = f" · relevance {score:.2f}" if score is not None else ""
    return (f'<div class="poster-card" id="poster-{card["board"]}">'
            f'<div class="pc-head">#{card["board"]} · {escape(card["kind"])}{award}{relevance}'
            f'<span class="pc-session"> · {escape(card["session"])}</span>'
            f'</div><div class="pc-title">{escape(card["title"])}</div>'
            f'<div class="pc-authors">{escape(card["authors"])}</div>'
            f'<div class="pc-abstract">{escape(card["abstract"])}</div></div>')


def render_citations(markdown: str, by_board: dict[int, dict]) -> str:
    """[#812] -> an <abbr> whose title is the poster (a tooltip even without JavaScript)."""
    def cite(match: re.Match) -> str:
        card = by_board.get(int(match.group(1)))
        if card is None:
            return match.group(0)
        tip = escape(f"{card['title']} — {card['authors']}")
        return f'<abbr class="cite" title="{tip}">[#{card["board"]}]</abbr>'

    return CITATION.sub(cite, markdown)


def answer_markdown(answer: Answer, by_board: dict[int, dict]) -> str:
    body = render_citations(html.escape(answer.answer, quote=False), by_board)
    footer = f"answered by: {answer.backend}"
    if answer.notice:
        body = f"> {html.escape(answer.notice)}\n\n{body}"
    return f"{body}\n\n<sub>{footer}</sub>"


def sources_html(answer: Answer | None, cited: list[int], by_board: dict[int, dict]) -> str:
    """This answer's posters with their relevance, then earlier ones (their citations still
    open cards)."""
    if answer is None and not cited:
        return '<div class="sources-h">Sources</div><p>Cited posters appear here.</p>'
    now = [s.board for s in answer.sources] if answer else []
    parts = ['<div class="sources-h">Sources of this answer</div>']
    parts += [card_html(by_board[s.board], s.score) for s in (answer.sources if answer else [])]
    if not now:
        parts.append("<p>No poster cited.</p>")
    earlier = [b for b in reversed(cited) if b not in now][:EARLIER_CARDS]
    if earlier:
        parts.append('<div class="sources-h">Earlier in this conversation</div>')
        parts += [card_html(by_board[b]) for b in earlier]
    return "".join(parts)


def star_label(card: dict) -> str:
    return f"#{card['board']} · {card['title']}"


def reading_markdown(boards: list[int], by_board: dict[int, dict]) -> str:
    if not boards:
        return "_No posters starred yet: pick some from the answers above._"
    lines = [f"{len(boards)} poster(s), in walking order:"]
    lines += [f"- **#{b}** {escape(by_board[b]['title'])}" for b in sorted(boards)]
    return "\n".join(lines)


def write_reading_list(boards: list[int], by_board: dict[int, dict], session: str) -> list[str]:
    """reading_list.md and reading_list.csv, sorted by board: a walking order."""
    folder = Path(tempfile.mkdtemp(prefix="posters-reading-"))
    ordered = [by_board[b] for b in sorted(boards)]
    md = folder / "reading_list.md"
    lines = [f"# Reading list — {session}", ""]
    lines += [f"- **#{c['board']}** ({c['kind']}) {c['title']} — {c['authors']}" for c in ordered]
    md.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = folder / "reading_list.csv"
    with table.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["board", "kind", "award", "title", "authors"])
        for c in ordered:
            writer.writerow([c["board"], c["kind"], c["award"], c["title"], c["authors"]])
    return [str(md), str(table)]


def parse_boards(values: list[str] | None, known: dict[int, dict]) -> list[int]:
    boards = []
    for value in values or []:
        match = re.search(r"\d+", str(value))
        if match and int(match.group()) in known:
            boards.append(int(match.group()))
    return boards


HIGHLIGHT = "★ this answer"
MAP_POINTS = 4000
EARLIER_CARDS = 20  # cards kept from earlier turns: older citations keep their tooltip


def map_frame(assistant: Assistant, highlight: list[int]) -> Any:
    """The session map as a table for gr.ScatterPlot; this answer's posters stand out."""
    import pandas as pd

    theme_map = assistant.index.theme_map
    columns = ["x", "y", "theme", "board", "title"]
    if theme_map is None:
        return pd.DataFrame(columns=columns)
    names = {t["id"]: f"{t['id'] + 1} {t['label']}" for t in theme_map.themes}
    marked = set(highlight)
    # A whole conference is too many points for a browser: an even sample, and every
    # poster of this answer.
    every = max(1, len(theme_map.boards) // MAP_POINTS)
    rows = [(x, y, HIGHLIGHT if board in marked else names[label], board,
             assistant.index.by_board[board]["title"])
            for i, ((x, y), label, board) in enumerate(zip(
                theme_map.coords, theme_map.labels, theme_map.boards, strict=True))
            if i % every == 0 or board in marked]
    return pd.DataFrame(rows, columns=columns)


def welcome(assistant: Assistant) -> str:
    cards = assistant.cards
    sessions = assistant.sessions
    location = assistant.index.manifest.sources[0].get("location", "") if (
        assistant.index.manifest.sources) else ""
    orals = sum(c["kind"] == "oral" for c in cards)
    spotlights = sum(c["kind"] == "spotlight" for c in cards)
    where = f" — {location}" if location else ""
    return (f"**{', '.join(sessions)}**{where}: {len(cards)} posters ({spotlights} spotlights, "
            f"{orals} orals).\n\nAsk about a topic, a board (`#813`), an author or the orals. "
            "Every answer cites boards like [#100]: hover a citation for the poster card, star "
            "posters for a reading list you can download in walking order. Follow-ups work: "
            "*which of those use transformers?*, *tell me more about the second one*.")


def build_app(assistant: Assistant) -> gr.Blocks:
    by_board = assistant.index.by_board
    boards = sorted(by_board)
    session = (", ".join(assistant.sessions) if len(assistant.sessions) <= 3
               else f"{len(assistant.sessions)} sessions")

    def chat(message: str, history: list[dict], kinds: list[str] | None,
             board_min: float | None, board_max: float | None,
             only_session: str | None = ALL_SESSIONS,
             cited: list[int] | None = None, panel: str | None = None) -> Iterator[tuple]:
        history = list(history or [])
        # The sources panel is re-sent unchanged while the answer streams, never gr.skip():
        # Gradio 6.31 turns a skip into a new component with a fresh id, and the final plain
        # value is then stored under that id in the session, one orphan copy per request.
        panel = panel or sources_html(None, [], by_board)
        cited = list(cited or [])
        where = PosterFilter(
            kinds=frozenset(kinds) if kinds is not None and set(kinds) != set(KINDS) else None,
            board_min=int(board_min) if board_min is not None else None,
            board_max=int(board_max) if board_max is not None else None,
            session=None if only_session in (None, ALL_SESSIONS) else only_session)
        turn = previous_turn(history)
        history.append({"role": "user", "content": message})
        history.append({"role": "assistant", "content": ""})
        shown = ""
        try:
            for event in assistant.ask_stream(message, where=where, previous=turn):
                if isinstance(event, Answer):
                    answer = event
                    break
                shown += event
                partial = render_citations(html.escape(shown, quote=False), by_board)
                history[-1] = {"role": "assistant", "content": partial}
                yield history, panel, gr.skip(), cited, gr.skip(), panel
        except QuestionError as err:
            history[-1] = {"role": "assistant", "content": f"Error: {err}"}
            panel = sources_html(None, cited, by_board)
            yield history, panel, gr.skip(), cited, [], panel
            return
        cited += [b for b in answer.citations if b not in cited]
        history[-1] = {"role": "assistant", "content": answer_markdown(answer, by_board)}
        choices = [star_label(by_board[b]) for b in cited]
        panel = sources_html(answer, cited, by_board)
        yield history, panel, gr.update(choices=choices), cited, answer.citations, panel

    def star(selected: list[str] | None, reading: list[int] | None) -> tuple:
        reading = sorted(set(reading or []) | set(parse_boards(selected, by_board)))
        return reading_markdown(reading, by_board), reading

    def export(reading: list[int] | None) -> list[str]:
        return write_reading_list(list(reading or []), by_board, session)

    with gr.Blocks(title=f"posters — {session}") as demo:
        gr.Markdown(f"## Poster assistant — {escape(session)}")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    value=[{"role": "assistant", "content": welcome(assistant)}],
                    elem_id="chatbot", height=540, label="Chat", buttons=["copy"])
                with gr.Row():
                    msg = gr.Textbox(elem_id="msg", show_label=False, scale=5, autofocus=True,
                                     placeholder="Ask about the posters, e.g. "
                                     "'is anyone doing diffusion for video editing?'")
                    send = gr.Button("Ask", elem_id="send", variant="primary", scale=1)
                gr.Examples(EXAMPLES, inputs=[msg], label="Try", elem_id="examples")
                with gr.Accordion("Session map", open=True, elem_id="map-box"):
                    session_map = gr.ScatterPlot(
                        map_frame(assistant, []), x="x", y="y", color="theme",
                        tooltip=["board", "title", "theme"], elem_id="map", height=460,
                        x_title=" ", y_title=" ", label="Posters by theme (hover for the "
                        "poster; ★ marks the last answer's posters)")
            with gr.Column(scale=2):
                with gr.Accordion("Filters", open=False, elem_id="filters"):
                    kinds = gr.CheckboxGroup(KINDS, value=KINDS, label="Poster kind",
                                             elem_id="kinds")
                    only_session = gr.Dropdown(
                        [ALL_SESSIONS, *assistant.sessions], value=ALL_SESSIONS,
                        label="Session", elem_id="session",
                        visible=len(assistant.sessions) > 1)
                    with gr.Row():
                        board_min = gr.Number(value=boards[0], label="From board",
                                              precision=0, elem_id="board-min")
                        board_max = gr.Number(value=boards[-1], label="To board",
                                              precision=0, elem_id="board-max")
                sources = gr.HTML(sources_html(None, [], by_board), elem_id="sources")
                with gr.Accordion("Reading list", open=True, elem_id="reading"):
                    to_star = gr.Dropdown([], multiselect=True, allow_custom_value=True,
                                          label="Star posters from the answers",
                                          elem_id="to-star")
                    star_btn = gr.Button("★ Add to reading list", elem_id="star")
                    reading_md = gr.Markdown(reading_markdown([], by_board), elem_id="reading-md")
                    export_btn = gr.Button("Download reading list (.md, .csv)",
                                           elem_id="export")
                    files = gr.File(label="Reading list", file_count="multiple",
                                    elem_id="files")
        gr.Markdown(f"<sub>Answers: {escape(assistant.backend_label)} · store "
                    f"{escape(assistant.settings.store)}</sub>")
        cited = gr.State([])
        reading = gr.State([])
        pending = gr.State("")
        panel = gr.State("")  # the sources panel as last sent, re-sent while an answer streams
        chat_inputs = [chatbot, kinds, board_min, board_max, only_session, cited, panel]
        last_answer = gr.State([])  # boards of the last answer, for the map
        chat_outputs = [chatbot, sources, to_star, cited, last_answer, panel]
        # Move the text aside and clear the box at once, then stream (see gradio notes).
        gr.on([msg.submit, send.click], lambda m: ("", m), msg, [msg, pending], queue=False,
              api_visibility="private").then(
            chat, [pending, *chat_inputs], chat_outputs, api_visibility="private",
            api_name="chat_ui", show_progress="minimal").then(
            lambda boards: map_frame(assistant, boards), [last_answer], [session_map],
            api_visibility="private", show_progress="hidden")
        api_button = gr.Button(visible=False)
        api_button.click(chat, [msg, *chat_inputs], chat_outputs, api_name="chat")
        # The map is redrawn after each answer in the page; API clients ask for it.
        map_button = gr.Button(visible=False)
        map_button.click(lambda boards: map_frame(assistant, boards), [last_answer],
                         [session_map], api_name="map")
        star_btn.click(star, [to_star, reading], [reading_md, reading], api_name="star")
        export_btn.click(export, [reading], [files], api_name="export")
    return demo


def launch(assistant: Assistant, host: str = "127.0.0.1", port: int = 7860,
           auth: tuple[str, str] | None = None, block: bool = True) -> gr.Blocks:
    demo = build_app(assistant)
    demo.queue(default_concurrency_limit=4, max_size=64)
    theme = gr.themes.Default(
        font=[gr.themes.LocalFont("Source Sans Pro"), "ui-sans-serif", "system-ui", "sans-serif"],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono"), "ui-monospace", "monospace"])
    demo.launch(server_name=host, server_port=port, auth=auth, prevent_thread_lock=not block,
                quiet=not block, theme=theme, css=CSS, head=HEAD, show_error=False)
    return demo
