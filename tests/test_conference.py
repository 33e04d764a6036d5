"""A whole conference in one store: sessions that reuse board numbers (issue 16, point 5).

Generated from the bundled session: "Poster Session 2" holds its first 12 posters on their
boards; "Poster Session 3" holds 12 others on the very same boards, and one more on a board no
other session has. Real ingest, real Chroma, the real embedding model; the only fake is the
LLM at the edge (a scripted reply), to write what a model might: a bare `#812`.
"""

from __future__ import annotations

import copy
import dataclasses

import pytest

from assistant import store as st
from assistant.answer import Answer
from assistant.ask import Assistant
from assistant.citations import CANONICAL, cited_refs, make_ref, ref_board
from assistant.retrieve import PosterFilter
from assistant.settings import Settings
from eval.metrics import faithfulness, stated_count
from ingest.build import ingest, load_sources
from ingest.parse import Session, SessionFormatError
from tests.conftest import running_app, write_session

pytestmark = pytest.mark.slow

SECOND = "Poster Session 3"
UNIQUE_BOARD = 9000  # only session 3 has it


@pytest.fixture(scope="module")
def embedder():
    from assistant.embedding import load_embedder

    return load_embedder()


@pytest.fixture(scope="module")
def conference(tmp_path_factory, bundled, embedder):
    """Session 2's first 12 posters; session 3: 12 others on the same 12 boards, and one on
    board 9000. Ingested one session at a time, as a conference's pages arrive."""
    folder = tmp_path_factory.mktemp("conference")
    first = bundled.posters[:12]
    second = [dataclasses.replace(p, session=SECOND, board=q.board)
              for p, q in zip(bundled.posters[12:24], first, strict=True)]
    second.append(dataclasses.replace(bundled.posters[24], session=SECOND, board=UNIQUE_BOARD))
    pages = (write_session(folder / "s2.txt", Session(bundled.name, bundled.location, "s2",
                                                      first)),
             write_session(folder / "s3.txt", Session(SECOND, bundled.location, "s3", second)))
    settings = Settings(store=folder / "store")
    reports = [ingest([page], settings, embedder, progress=False) for page in pages]
    return settings, pages, reports, first, second


@pytest.fixture(scope="module")
def multi(conference, embedder) -> Assistant:
    return Assistant(conference[0], embedder=embedder)


class ScriptedModel:
    """The LLM at the edge: streams one fixed reply, whatever it is asked."""

    label = "scripted"

    def __init__(self, reply: str) -> None:
        self.reply = reply

    def stream(self, messages):
        yield from self.reply.split(" ")[:1]
        for word in self.reply.split(" ")[1:]:
            yield " " + word


def unambiguous(answer: Answer, assistant: Assistant) -> None:
    """Every citation in the text names one poster of the store, and one the answer gave."""
    shared = {c.board for c in assistant.cards
              if sum(d.board == c.board for d in assistant.cards) > 1}
    given = set(answer.citations) | {s.cited_as() for s in answer.sources}
    for match in CANONICAL.finditer(answer.answer):
        ref = make_ref(int(match.group("board")), match.group("label") or "")
        assert ref in assistant.index.by_board, match.group()
        assert ref in given, match.group()
        assert (ref_board(ref) in shared) == isinstance(ref, str), match.group()


def test_sessions_that_reuse_boards_share_one_store(conference, multi, bundled):
    settings, pages, reports, *_ = conference
    assert [(r.added, r.unchanged) for r in reports] == [(12, 0), (13, 0)]
    assert {s["session"] for s in st.read_manifest(settings.store).sources} == {
        bundled.name, SECOND}
    assert multi.sessions == [bundled.name, SECOND] and len(multi.cards) == 25
    # Both pages at once too; the same session twice is still refused.
    assert len(load_sources(list(pages))[0]) == 25
    with pytest.raises(SessionFormatError, match="ingest each session page once"):
        load_sources([pages[0], pages[0]])
    # Re-ingesting one session keeps the other, board for board.
    again = ingest([pages[0]], settings, multi.embedder, progress=False)
    assert again.unchanged == 12 and len(st.read_manifest(settings.store).posters) == 25


def test_a_poster_on_a_reused_board_is_cited_with_its_session(multi, conference):
    *_, first, second = conference
    answer = multi.ask(second[3].title)
    ref = f"S3 #{second[3].board}"
    assert answer.citations[0] == ref and f"[{ref}]" in answer.answer
    assert answer.sources[0].session == SECOND and answer.sources[0].cited_as() == ref
    assert answer.to_json()["sources"][0] | {"score": 0} == {
        "board": second[3].board, "kind": second[3].kind, "title": second[3].title,
        "score": 0, "session": SECOND, "ref": ref}
    unambiguous(answer, multi)
    # Session 2's poster on that board is cited as such.
    other = multi.ask(first[3].title)
    assert other.citations[0] == f"S2 #{first[3].board}"
    unambiguous(other, multi)
    # A board only one session has keeps its plain citation.
    unique = multi.ask(second[-1].title)
    assert unique.citations[0] == UNIQUE_BOARD and f"[#{UNIQUE_BOARD}]" in unique.answer
    unambiguous(unique, multi)


def test_a_bare_board_names_every_session_s_poster_unless_filtered(multi, conference):
    first = conference[-2]
    board = first[5].board
    both = multi.ask(f"what is at #{board}?")
    assert set(both.citations) == {f"S2 #{board}", f"S3 #{board}"}
    unambiguous(both, multi)
    one = multi.ask(f"what is at #{board}?", where=PosterFilter(session=SECOND))
    assert one.citations == [f"S3 #{board}"]
    follow = multi.ask("tell me more about the first one",
                       previous=_turn(one)).citations
    assert follow == [f"S3 #{board}"]
    # A question may name the session itself.
    assert multi.ask(f"what is at S2 #{board}?").citations == [f"S2 #{board}"]


def _turn(answer: Answer):
    from assistant.followup import Turn

    return Turn(answer.question, answer.citations, answer.answer, answer.plan, answer.results)


def model_answer(assistant: Assistant, reply: str, cards: list[dict]) -> Answer:
    """The answer the model's `reply` becomes, given `cards` (streamed through the guard)."""
    turn = copy.copy(assistant)
    turn.llm = ScriptedModel(reply)
    streamed = turn.llm_answer("a question", [(card, 0.9) for card in cards])
    try:
        while True:
            next(streamed)
    except StopIteration as done:
        return done.value


def test_the_guard_resolves_or_strips_a_model_s_unqualified_board(multi, conference):
    second = conference[-1]
    board = second[3].board
    s2, s3 = multi.index.by_board[f"S2 #{board}"], multi.index.by_board[f"S3 #{board}"]
    unique = multi.index.by_board[UNIQUE_BOARD]
    # Given only session 3's poster on the board, a bare "#103" can only mean it; session 2's
    # poster on that board was not given, whatever the spelling.
    answer = model_answer(multi, f"It is at #{board}, see also Poster Session 2, board "
                          f"{board} and [S2 #{board}] and board {UNIQUE_BOARD}.", [s3, unique])
    assert answer.backend == "scripted", answer.notice
    assert answer.citations == [f"S3 #{board}", UNIQUE_BOARD]
    assert answer.answer == f"It is at [S3 #{board}], see also and and [#{UNIQUE_BOARD}]."
    assert answer.dropped_citations == [f"Poster Session 2 #{board}", f"S2 #{board}"]
    assert f"S2 #{board}" in answer.notice
    unambiguous(answer, multi)
    # Given both sessions' posters on that board, a bare "#103" is ambiguous: removed.
    both = model_answer(multi, f"Both [S3 #{board}] and #{board} apply.", [s2, s3])
    assert both.citations == [f"S3 #{board}"] and both.dropped_citations == [board]
    assert both.answer == f"Both [S3 #{board}] and apply."
    unambiguous(both, multi)
    # The prompt shows the model each poster as it must be cited, with its session.
    from assistant.llm import answer_messages

    prompt = answer_messages("q", [s2, s3, unique])[-1]["content"]
    assert f"[S2 #{board}] " in prompt and f"[S3 #{board}] " in prompt
    assert f"[#{UNIQUE_BOARD}] " in prompt and SECOND in prompt


def test_which_session_has_posters_on_a_topic(multi, conference, bundled):
    second = conference[-1]
    for question in ("Which session has posters on vision transformers?",
                     f"Which session has {second[3].title}?"):
        answer = multi.ask(question)
        lines = [line for line in answer.answer.splitlines() if CANONICAL.search(line)]
        assert lines and not answer.abstained, answer.answer
        for line in lines:  # each poster named with its session
            ref = cited_refs(line)[0]
            assert multi.index.by_board[ref].session in line, line
        unambiguous(answer, multi)
    assert any(f"[S3 #{second[3].board}], {SECOND}" in line for line in lines)


def test_cards_and_exports_show_the_session(multi, conference):
    from gradio_client import Client

    from assistant.app import render_citations, sources_html

    second = conference[-1]
    board = second[3].board
    answer = multi.ask(second[3].title)
    html = render_citations(answer.answer, multi.index.by_board)
    assert f'data-card="S3-{board}">[S3 #{board}]</abbr>' in html
    panel = sources_html(answer, [], multi.index.by_board)
    assert f'id="poster-S3-{board}"' in panel and f"S3 #{board} · " in panel
    assert SECOND in panel
    with running_app(multi) as url:
        client = Client(url, analytics_enabled=False, verbose=False)
        kinds = ["poster", "spotlight", "oral"]
        _history, sources, _choices = client.predict(second[3].title, [], kinds, 0, 99999,
                                                      SECOND, api_name="/chat")
        assert f"S3 #{board}" in sources and SECOND in sources
        client.close()


def test_eval_reads_qualified_citations(conference):
    *_, first, second = conference
    board = first[0].board
    text = (f"**2** posters: {second[0].title} [S3 #{board}] and "
            f"{first[0].title} [S2 #{board}].")
    assert cited_refs(text) == [f"S3 #{board}", f"S2 #{board}"]
    assert stated_count(text) == 2
    abstracts = {f"S3 #{board}": f"{second[0].title} {second[0].abstract}",
                 f"S2 #{board}": ""}
    assert faithfulness(f"{second[0].title} [S3 #{board}].", abstracts) == 1.0
    assert faithfulness(f"{second[0].title} [S2 #{board}].", abstracts) == 0.0
