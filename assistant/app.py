"""The Gradio chat app: the same `Assistant.ask` as the CLI, with cards, filters and a reading list.

Endpoints for gradio_client: `/chat` (message, history, kinds, board_min, board_max) ->
(history, sources_html, star choices), `/star` (boards) -> reading list, `/export` -> files.
"""

from __future__ import annotations

import asyncio
import csv
import html
import re
import tempfile
from collections.abc import Awaitable, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.answer import Answer
from assistant.ask import Assistant, QuestionError
from assistant.followup import Turn, cited_boards
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


def previous_turn(history: list[dict], kept: dict | None = None) -> Turn | None:
    """The last turn: as the session kept it (its plan and whole result set) when `kept` is
    that turn, else read back from the history (its question and the boards it cited)."""
    if kept and history and len(history) == kept.get("length"):
        return Turn(kept["question"], kept["boards"], "", kept["plan"], kept["results"])
    question, boards = None, None
    for message in reversed(history or []):
        text = text_of(message.get("content"))
        if message.get("role") == "assistant" and boards is None:
            boards = cited_boards(text)  # a tooltip quoting a title cites nothing
        elif message.get("role") == "user" and boards is not None:
            question = plain_text(text)
            break
    answer = next((text_of(m.get("content")) for m in reversed(history or [])
                   if m.get("role") == "assistant"), "")
    return Turn(question, boards, plain_text(answer)) if question else None


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


# Markdown that renders any text as typed. Text from the data (abstracts, titles, the page's
# preamble) or from a model may hold `![x](http://host/p.png?conv=...)`, `<img src=...>` or a
# form: rendered, the browser would fetch the image on its own (a channel out for the
# conversation) or show a form posing as the app. With `<`, `>`, `&` as entities, brackets and
# backslashes escaped, no HTML, image, link or reference definition can form; a bare URL stays
# text or, at most, a link that needs a click.
_INERT = str.maketrans({"\\": "\\\\", "[": "\\[", "]": "\\]", "&": "&amp;", "<": "&lt;",
                        ">": "&gt;"})
_UNESCAPE = re.compile(r"\\([\\\[\]])")
_TAG = re.compile(r"<[^>]+>")


def inert(text: object) -> str:
    """Text as Markdown that shows it literally and loads nothing."""
    return str(text).translate(_INERT)


def plain_text(shown: str) -> str:
    """What a chat message says, read back from its Markdown: our own tags dropped, the
    escapes of `inert` undone."""
    return html.unescape(_UNESCAPE.sub(r"\1", _TAG.sub("", shown)))


def card_html(card: dict, score: float | None = None) -> str:
    award = f" · {escape(card['award'])}" if card["award"] else ""
    relevance = f" · relevance {score:.2f}" if score is not None else ""
    return (f'<div class="poster-card" id="poster-{card["board"]}">'
            f'<div class="pc-head">#{card["board"]} · {escape(card["kind"])}{award}{relevance}'
            f'<span class="pc-session"> · {escape(card["session"])}</span>'
            f'</div><div class="pc-title">{escape(card["title"])}</div>'
            f'<div class="pc-authors">{escape(card["authors"])}</div>'
            f'<div class="pc-abstract">{escape(card["abstract"])}</div></div>')


def cite_html(card: dict) -> str:
    """[#812] as an <abbr> whose title is the poster (a tooltip even without JavaScript)."""
    tip = escape(f"{card['title']} — {card['authors']}")
    return f'<abbr class="cite" title="{tip}">[#{card["board"]}]</abbr>'


def render_citations(text: str, by_board: dict[int, dict]) -> str:
    """Answer text as inert Markdown, each citation of a known poster an <abbr>; any other
    board-like text stays text."""
    parts, start = [], 0
    for match in CITATION.finditer(text):
        card = by_board.get(int(match.group(1)))
        if card is not None:
            parts += [inert(text[start:match.start()]), cite_html(card)]
            start = match.end()
    parts.append(inert(text[start:]))
    return "".join(parts)


def answer_markdown(answer: Answer, by_board: dict[int, dict]) -> str:
    body = render_citations(answer.answer, by_board)
    related = [by_board[b] for b in answer.related if b in by_board]
    if related:  # offered apart from the answer: not citations, not what was asked
        body += "\n\nRelated posters (not an answer to this):\n" + "\n".join(
            f"- {inert(c['title'])} (board {c['board']})" for c in related)
    footer = f"answered by: {inert(answer.backend)}"
    if answer.notice:
        body = f"> {inert(answer.notice)}\n\n{body}"
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
    lines += [f"- **#{b}** {inert(by_board[b]['title'])}" for b in sorted(boards)]
    return "\n".join(lines)


# A cell a spreadsheet would read as a formula (`=HYPERLINK(...)`, `=cmd|...`, `@SUM(...)`):
# a leading apostrophe makes Excel, LibreOffice and Google Sheets show it as text (OWASP's
# advice for CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


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
            writer.writerow([spreadsheet_cell(c[key]) for key in
                             ("board", "kind", "award", "title", "authors")])
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
    where = f" — {inert(location)}" if location else ""
    names = inert(", ".join(sessions))
    return (f"**{names}**{where}: {len(cards)} posters ({spotlights} spotlights, "
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
             cited: list[int] | None = None, panel: str | None = None,
             kept: dict | None = None) -> Iterator[tuple]:
        history = list(history or [])
        # An ingest may publish meanwhile: the cards are read where they are used.
        by_board = assistant.index.by_board
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
        turn = previous_turn(history, kept)
        history.append({"role": "user", "content": inert(message)})
        history.append({"role": "assistant", "content": ""})
        shown = ""
        try:
            for event in assistant.ask_stream(message, where=where, previous=turn):
                if isinstance(event, Answer):
                    answer = event
                    break
                shown += event
                partial = render_citations(shown, by_board)
                history[-1] = {"role": "assistant", "content": partial}
                yield history, panel, gr.skip(), cited, gr.skip(), panel, gr.skip()
        except QuestionError as err:
            history[-1] = {"role": "assistant", "content": f"Error: {inert(err)}"}
            panel = sources_html(None, cited, by_board)
            yield history, panel, gr.skip(), cited, [], panel, None
            return
        by_board = assistant.index.by_board
        cited = [b for b in dict.fromkeys([*cited, *answer.citations]) if b in by_board]
        history[-1] = {"role": "assistant", "content": answer_markdown(answer, by_board)}
        choices = [star_label(by_board[b]) for b in cited]
        panel = sources_html(answer, cited, by_board)
        # The turn as follow-ups need it: its plan and whole result set, not only what shows.
        kept = {"length": len(history), "question": message, "boards": answer.citations,
                "plan": answer.plan.to_json() if answer.plan else None,
                "results": answer.results}
        yield (history, panel, gr.update(choices=choices), cited, answer.citations, panel,
               kept)

    def star(selected: list[str] | None, reading: list[int] | None) -> tuple:
        by_board = assistant.index.by_board
        reading = sorted(set(reading or []) | set(parse_boards(selected, by_board)))
        reading = [b for b in reading if b in by_board]
        return reading_markdown(reading, by_board), reading

    def export(reading: list[int] | None) -> list[str]:
        by_board = assistant.index.by_board
        return write_reading_list([b for b in reading or [] if b in by_board], by_board,
                                  session)

    with gr.Blocks(title=f"posters — {session}") as demo:
        gr.Markdown(f"## Poster assistant — {escape(session)}")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    value=[{"role": "assistant", "content": welcome(assistant)}],
                    elem_id="chatbot", height=540, label="Chat", buttons=["copy"],
                    # Messages are inert Markdown plus our own <abbr>/<sub> tags (see `inert`);
                    # no other tag and no LaTeX renderer is needed on data or model text.
                    sanitize_html=True, allow_tags=False, latex_delimiters=[])
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
        kept = gr.State(None)  # the last turn's plan and results, for follow-ups
        chat_inputs = [chatbot, kinds, board_min, board_max, only_session, cited, panel, kept]
        last_answer = gr.State([])  # boards of the last answer, for the map
        chat_outputs = [chatbot, sources, to_star, cited, last_answer, panel, kept]
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


# Fairness: Gradio's queue is one FIFO of QUEUE_SIZE turns for everyone, so one client sending
# 100 questions at once filled it and every other user was turned away ("Queue is full").
# Each chat turn is admitted only while its client has fewer than these in the queue or
# running; a refused turn costs no slot and gets an immediate message saying why. Admitted
# turns wait in round-robin order over addresses, so the turns one address may still hold do
# not stand in front of everyone else's.
QUEUE_SIZE = 64
TURNS_PER_SESSION = 2  # one turn answering, one typed meanwhile
# One address may be a whole conference Wi-Fi behind NAT or a proxy: it may hold at most half
# of the queue, so other addresses always find room, and a small per-address cap does not
# turn away a hall of real users.
TURNS_PER_ADDRESS = QUEUE_SIZE // 2
CHAT_ENDPOINTS = frozenset({"chat", "chat_ui"})
SESSION_BUSY = ("You already have {n} questions being answered: wait for one to finish, "
                "then ask again.")
ADDRESS_BUSY = ("{n} questions from your network address are being answered already: wait "
                "for one to finish, then ask again.")


def refusal(session_turns: int, address_turns: int, per_session: int,
            per_address: int) -> str | None:
    """Why a client's new turn is refused, given its turns in flight; None to admit it."""
    if session_turns >= per_session:
        return SESSION_BUSY.format(n=session_turns)
    if address_turns >= per_address:
        return ADDRESS_BUSY.format(n=address_turns)
    return None


def address_of(request: Any) -> str:
    client = getattr(request, "client", None)
    return getattr(client, "host", "") or ""


def turns_in_flight(events: Iterable[Any], session: str | None,
                    address: str) -> tuple[int, int]:
    """Chat turns of this session and of this address among Gradio's queued and running
    events."""
    chats = [e for e in events if getattr(e.fn, "api_name", None) in CHAT_ENDPOINTS]
    return (sum(bool(session) and e.session_hash == session for e in chats),
            sum(address_of(e.request) == address for e in chats))


def fair_order(events: list[Any]) -> list[Any]:
    """Waiting turns in round-robin over addresses: every address's first turn, then every
    address's second, ...; first come, first served within an address and within a round."""
    rounds: dict[str, int] = {}
    keyed = []
    for position, event in enumerate(events):
        address = address_of(event.request)
        keyed.append((rounds.get(address, 0), position, event))
        rounds[address] = rounds.get(address, 0) + 1
    return [event for _round, _position, event in sorted(keyed, key=lambda k: k[:2])]


def limit_turns_per_client(demo: gr.Blocks, per_session: int, per_address: int) -> None:
    """Check each chat turn at the queue's door (Gradio 6 has no per-client limit).

    Wraps the queue's `push`, the one place every queued call enters (the page, gradio_client
    and the REST API alike). The count is read from the queue itself, so a turn that ends,
    fails or is dropped with its client frees its place without bookkeeping here. A refusal
    is a validation error: HTTP 422 with the message, which gradio_client raises as
    ValidationError (the page sends one question at a time, so it never meets the limit). An
    admitted turn is then put in its round (`fair_order`); the reordering is synchronous, so
    no worker sees a half-sorted list.
    """
    queue = demo._queue
    push: Callable[..., Awaitable[tuple]] = queue.push
    door = asyncio.Lock()  # check and enqueue as one step: parallel pushes see each other

    def in_flight() -> list[Any]:
        queued = [e for q in queue.event_queue_per_concurrency_id.values() for e in q.queue]
        return queued + [e for job in queue.active_jobs if job for e in job]

    async def fair_push(body: Any, request: Any, username: str | None) -> tuple:
        fn = demo.fns.get(body.fn_index) if body.fn_index is not None else None
        if getattr(fn, "api_name", None) not in CHAT_ENDPOINTS:
            return await push(body=body, request=request, username=username)
        async with door:
            session, address = turns_in_flight(in_flight(), body.session_hash,
                                               address_of(request))
            why = refusal(session, address, per_session, per_address)
            if why is not None:
                return False, [{**gr.validate(False, why), "parameter_name": "message"}], (
                    "validator_error")
            result = await push(body=body, request=request, username=username)
        waiting = queue.event_queue_per_concurrency_id.get(fn.concurrency_id)
        if result[0] and waiting is not None:
            waiting.queue[:] = fair_order(waiting.queue)
        return result

    queue.push = fair_push


def launch(assistant: Assistant, host: str = "127.0.0.1", port: int = 7860,
           auth: tuple[str, str] | None = None, block: bool = True,
           turns_per_session: int = TURNS_PER_SESSION,
           turns_per_address: int = TURNS_PER_ADDRESS) -> gr.Blocks:
    demo = build_app(assistant)
    demo.queue(default_concurrency_limit=4, max_size=QUEUE_SIZE)
    limit_turns_per_client(demo, turns_per_session, turns_per_address)
    theme = gr.themes.Default(
        font=[gr.themes.LocalFont("Source Sans Pro"), "ui-sans-serif", "system-ui", "sans-serif"],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono"), "ui-monospace", "monospace"])
    demo.launch(server_name=host, server_port=port, auth=auth, prevent_thread_lock=not block,
                quiet=not block, theme=theme, css=CSS, head=HEAD, show_error=False)
    return demo
