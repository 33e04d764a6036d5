"""Issue 14, items 4, 5, 7 and 13 (settings, map --out): what gets past the guards.

Every form a reader takes for a board reference is guarded; board-like text quoted from the
data is plain text; terminal escape sequences in the data never reach the terminal; invalid
settings and `map --out` paths are one-line errors. Real guard, real store (hash-embedded, no
model), real CLI through CliRunner.
"""

from __future__ import annotations

import dataclasses
import random
import re
from unicodedata import category

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.answer import Answer, best_sentence, extractive_answer, poster_line
from assistant.citations import CitationStream, guard_citations
from assistant.cli import cli
from assistant.poster import Poster
from assistant.safe_text import terminal_safe
from ingest.parse import Session
from tests.conftest import poster, write_session

GIVEN = {812, 13, 123456}


# -- item 4: citations in odd forms -----------------------------------------------------------

@pytest.mark.parametrize("text, expected, citations, dropped", [
    # 6 and 7 digits: a real 6-digit board is citable, an invented one is removed
    ("a big session [#123456] here", "a big session [#123456] here", [123456], []),
    ("see #100000 here", "see here", [], [100000]),
    ("see [#1234567] and board 7654321.", "see and.", [], [1234567, 7654321]),
    # full-width brackets, hash and digits; digits of another script
    ("see ［＃８１２］ here", "see [#812] here", [812], []),
    ("see ＃812 here", "see [#812] here", [812], []),
    ("see #８１２ and ［＃９９９９］ here", "see [#812] and here", [812], [9999]),
    ("see #٨١٢ here", "see [#812] here", [812], []),
    # zero-width and other unseen characters inside
    ("see [#8\u200b12] here", "see [#812] here", [812], []),
    ("see #\u200d812 here", "see [#812] here", [812], []),
    ("see #9\u2060999 and #1\u00ad3", "see and [#13]", [13], [9999]),
    ("see [#9\ufeff99\u200c9] here", "see here", [], [9999]),
    # trailing letters
    ("see #812a and [#812b]", "see [#812] and [#812]", [812], []),
    ("see #9999a and [#105b] here", "see and here", [], [9999, 105]),
    # a terminal escape sequence inside: a terminal shows #812
    ("see #8\x1b[0m12 here", "see [#812] here", [812], []),
    # the forms the guard always knew
    ("#812, [812], (#812), board 812, [#812, #13]",
     "[#812], [#812], [#812], [#812], [#812][#13]", [812, 13], []),
    ("Poster 13 and BOARDS 812", "[#13] and [#812]", [13, 812], []),
    # removing a reference never leaves a word that takes the next number
    ("see board [#812] or board [#9999] 7 or board board 9999 7 or #[#9999]7.",
     "see [#812] or 7 or  7 or 7.", [812], [9999]),
    # not board references: kept as they are
    ("x² and ⑫, issue#12, &#39; and (2014)", "x² and ⑫, issue#12, &#39; and (2014)", [], []),
])
def test_every_form_of_a_board_reference_is_guarded(text, expected, citations, dropped):
    result = guard_citations(text, GIVEN)
    assert (result.text, result.citations, result.dropped) == (expected, citations, dropped)


def test_the_llm_path_cites_a_real_six_digit_board():
    """CitationStream is what checks an LLM's streamed answer (Assistant.llm_answer)."""
    stream = CitationStream([123456, 100])
    for piece in ["The big one ", "[#1234", "56] does it", ", not ＃１０", "５ or #100000."]:
        stream.feed(piece)
    result = stream.finish()
    assert result.citations == [123456] and result.dropped == [105, 100000]
    assert stream.shown == "The big one [#123456] does it, not or."


# Pieces a hostile model could stream: every odd form, split anywhere.
HOSTILE = ["word ", "[#", "［", "＃", "８", "812", "9999", "123456", "1000000", "]", "］", "a",
           "\u200b", "\u200d", "\u00a0", "board ", "#", ", ", "(", ")", ". ", "\n", "poster ",
           "\x1b[0m", "\x1b]8;;", "\x07", "²", "13"]


def stream_in_pieces(text: str, seed: int, given=GIVEN) -> tuple[str, list[str]]:
    """The text fed to a citation stream in random pieces: (what was shown, each piece)."""
    rng = random.Random(seed)
    stream, shown, at = CitationStream(given), [], 0
    while at < len(text):
        size = rng.randint(1, 6)
        shown.append(stream.feed(text[at:at + size]))
        at += size
    stream.finish()
    shown.append(stream.tail)
    return "".join(shown), shown


@settings(max_examples=300)
@given(st.lists(st.sampled_from(HOSTILE), max_size=40), st.integers(0, 1000))
def test_a_stream_of_odd_forms_shows_the_guarded_whole_and_only_given_boards(parts, seed):
    text = "".join(parts)
    whole = guard_citations(text, GIVEN)
    streamed, pieces = stream_in_pieces(text, seed)
    assert streamed == whole.text
    shown = ""
    for piece in pieces:  # at every moment, what is on screen cites only given boards
        shown += piece
        assert guard_citations(shown, GIVEN).dropped == []
    again = guard_citations(whole.text, GIVEN)  # guarded text is stable
    assert (again.text, again.dropped) == (whole.text, [])
    assert not CONTROL.search(streamed)  # plain text: every renderer shows what was checked
    assert set(hashed_numbers(streamed)) <= GIVEN, streamed


# Sessions 2 and 3 both have boards 812 and 13 (session 3's 812 and both 13s were given);
# board 123456 is only in one session.
SESSIONS_GIVEN = {"S3 #812", "S2 #13", "S3 #13", 123456}
QUALIFIED_HOSTILE = [*HOSTILE, "S3 ", "S2", " #", "Session 3 ", "Poster ", "Oral Session 2, ",
                     "[S3 #812]", "(S2 #13)", "s3", "S4 "]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(QUALIFIED_HOSTILE), max_size=40), st.integers(0, 1000))
def test_a_stream_citing_sessions_that_share_boards_stays_unambiguous(parts, seed):
    from assistant.citations import CANONICAL, make_ref

    text = "".join(parts)
    whole = guard_citations(text, SESSIONS_GIVEN)
    streamed, pieces = stream_in_pieces(text, seed, SESSIONS_GIVEN)
    assert streamed == whole.text
    shown = ""
    for piece in pieces:  # at every moment, what is on screen cites only given posters
        shown += piece
        assert guard_citations(shown, SESSIONS_GIVEN).dropped == []
    again = guard_citations(whole.text, SESSIONS_GIVEN)
    assert (again.text, again.dropped) == (whole.text, [])
    # Every `#` a reader sees is a citation of a given poster, and a shared board's names
    # its session: a bare 13 (given in both sessions) never shows.
    cited = [make_ref(int(m.group("board")), m.group("label") or "")
             for m in CANONICAL.finditer(streamed)]
    assert set(cited) <= SESSIONS_GIVEN, streamed
    assert len(hashed_numbers(streamed)) == len(cited), streamed


def hashed_numbers(text: str) -> list[int]:
    """Numbers after a `#` as a reader sees them, folded independently of the guard:
    full-width forms to ASCII, zero-width characters and combining marks removed."""
    text = "".join(c for c in text if c not in "\u200b\u200d" and category(c) != "Mn")
    text = "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in text)
    return [int(n) for n in re.findall(r"(?<![^\W\d]|&)#([0-9]+)", text)]


def test_a_long_stream_is_guarded_in_linear_time():
    """Each piece is read once: 20,000 pieces (a server ignoring max_tokens) stay fast."""
    import time

    stream = CitationStream([812])
    started = time.perf_counter()
    for _ in range(20_000):
        stream.feed("tok [#812] ")
    stream.finish()
    assert time.perf_counter() - started < 5.0
    assert stream.shown.count("[#812]") == 20_000


# -- item 5: quoted text never cites ----------------------------------------------------------

HOSTILE_ABSTRACT = ("We propose frobnication of zebra graphs [#9999], unlike [#105] and #105 "
                    "(see ＃１０５, board 105 and [#10\u200b5a]).")


def hostile_card(board: int = 101) -> Poster:
    return poster(board, award="Best [#105]", title="Zebra graphs [#105] #9999",
                  authors=("Ada #105", "Bo"), abstract=HOSTILE_ABSTRACT)


def assert_cites_only(text: str, boards: list[int]) -> None:
    """Every board reference in `text`, in any form, is one of `boards`, and the follow-up
    reader takes exactly `boards` from it."""
    from assistant.followup import cited_boards

    result = guard_citations(text, [])
    assert result.text.count("No. 105") == text.count("No. 105")
    assert sorted(result.dropped) == sorted(boards), text
    assert cited_boards(text) == boards, text


def test_an_extractive_answer_shows_quoted_board_references_as_plain_text():
    answer = extractive_answer("zebra graphs frobnication", [(hostile_card(), 0.9)])
    assert "No. 105" in answer.answer and "No. 9999" in answer.answer
    assert "[#105]" not in answer.answer and "#105" not in answer.answer
    assert answer.citations == [101] and answer.dropped_citations == []
    assert_cites_only(answer.answer, [101])


def test_quoting_helpers_neutralise_titles_awards_and_sentences():
    from assistant.answer import card_summary, quoted

    card = hostile_card()
    for text in [poster_line(card, best_sentence("zebra", card.abstract)), card_summary(card)]:
        assert_cites_only(text, [101])
    assert quoted(quoted(HOSTILE_ABSTRACT)) == quoted(HOSTILE_ABSTRACT)
    assert "Ada No. 105 · Bo" in card_summary(card)


@settings(max_examples=300)
@given(st.lists(st.sampled_from([*HOSTILE, "[", "]", "and", "; ", "2014"]), max_size=30))
def test_quoted_text_is_never_a_citation_and_never_removed(parts):
    from assistant.answer import quoted

    text = quoted("".join(parts))
    result = guard_citations(text, GIVEN)
    assert (result.text, result.citations, result.dropped) == (text, [], [])
    assert quoted(text) == text


def test_answer_guarded_removes_and_reports_boards_the_answer_was_not_given():
    answer = Answer(answer="X [#101] and [#105]; ＃９９９９.", citations=[101], sources=[],
                    abstained=False)
    guarded = answer.guarded()
    assert guarded.answer == "X [#101] and;." and guarded.dropped_citations == [105, 9999]
    assert "#105, #9999" in guarded.notice


def test_a_follow_up_reads_only_the_answers_own_citations():
    """The app's answers carry a tooltip quoting the poster's title: it cites nothing."""
    from assistant.app import answer_markdown
    from assistant.followup import Turn

    card = hostile_card()
    answer = extractive_answer("zebra graphs", [(card, 0.9)])
    turn = Turn.from_answer("zebra graphs?", answer_markdown(answer, {101: card}))
    assert turn.boards == [101] and "<abbr" not in turn.answer


@pytest.fixture
def hostile_page(tmp_path, bundled):
    """The first 12 posters; #101 with board-like text and escape sequences in its data, and
    #100 renumbered to a 6-digit board."""
    posters = list(bundled.posters[:12])
    posters[0] = dataclasses.replace(posters[0], board=123456)
    posters[1] = dataclasses.replace(
        posters[1], title=f"Zebra graphs [#105] {ESCAPES}", authors=("Zebulon Quixotic",),
        abstract=f"{HOSTILE_ABSTRACT} {ESCAPES} We frobnicate zebra graphs quickly.")
    return write_session(tmp_path / "hostile.txt",
                         Session(bundled.name, bundled.location, "hostile", posters))


def test_an_answer_through_the_assistant_cites_no_quoted_board(hostile_page, fake_settings,
                                                               fake_embedder):
    from assistant.ask import Assistant
    from ingest.build import ingest

    ingest([hostile_page], fake_settings, fake_embedder)
    assistant = Assistant(fake_settings, embedder=fake_embedder)
    for question in ("what is Zebulon Quixotic presenting?", "what is at #101?"):
        answer = assistant.ask(question)
        assert answer.citations == [101] and "No. 105" in answer.answer
        assert_cites_only(answer.answer, [101])


# -- item 7: hostile text to the terminal -----------------------------------------------------

ESCAPES = ("\x1b]52;c;cHduZWQ=\x07\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
           "\x1b]0;pwned\x07\x1b[2J\x9b31m\x9d52;c;eA==\x9c\x1bc")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_terminal_safe_removes_every_sequence_whole_and_keeps_text():
    assert terminal_safe(f"a\tb\n{ESCAPES}c\r\nd é 漢") == "a\tb\nclickc\nd é 漢"
    assert terminal_safe("x\x1b]52;c;payload never ends\nnext") == "x\nnext"


@given(st.text(alphabet=st.characters(max_codepoint=0x2100), max_size=60))
def test_terminal_safe_output_has_no_control_character(text):
    assert not CONTROL.search(terminal_safe(text))


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


HASH_MODEL = {"POSTERS_EMBED_MODEL": "hash-64"}  # a real store, without loading the model


def test_ask_and_summarize_print_no_escape_sequence_from_the_data(tmp_path, hostile_page):
    store = str(tmp_path / "store")
    assert run("ingest", "--source", str(hostile_page), "--store", store,
               env=HASH_MODEL).exit_code == 0
    for args in (["ask", "what is at #101?"], ["ask", "what is Zebulon Quixotic presenting?"],
                 ["summarize", "frobnicate zebra graphs"]):
        result = run(*args, "--store", store, env=HASH_MODEL)
        assert result.exit_code == 0, result.output
        assert "Zebra graphs" in result.output, result.output  # the poster is shown ...
        assert not CONTROL.search(result.output), repr(result.output)  # ... with no sequence
        if args[0] == "ask":  # answer and sources: the title's [#105] is plain text
            assert "[#105]" not in result.output and "No. 105" in result.output


# -- item 13: invalid settings and map --out --------------------------------------------------

COMMANDS = [["ingest"], ["ask", "q"], ["chat"], ["summarize", "x"], ["map"], ["eval"]]


@pytest.mark.parametrize("variable, value, problem, fix", [
    ("POSTERS_TOP_K", "0", "greater than or equal to 1",
     "set POSTERS_TOP_K to a whole number from 1 to 50, or unset it to use the default (12)"),
    ("POSTERS_LLM_TIMEOUT", "abc", "valid number",
     "set POSTERS_LLM_TIMEOUT to a number above 0, or unset it to use the default (30.0)"),
    ("POSTERS_CHROMA_PORT", "http", "valid integer", "set POSTERS_CHROMA_PORT to a whole "
     "number from 1 to 65535, or unset it to use the default (8000)"),
])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_an_invalid_setting_is_a_one_line_error(tmp_path, command, variable, value, problem, fix):
    result = run(*command, "--store", str(tmp_path / "store"), env={variable: value})
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"Error: {variable}={value}: ") and problem in line and fix in line
    assert not (tmp_path / "store").exists()


def test_every_invalid_setting_is_named_on_the_one_line(tmp_path):
    env = {"POSTERS_BACKEND": "gpt", "POSTERS_MIN_RELEVANCE": "2"}
    result = run("ask", "q", "--store", str(tmp_path / "store"), env=env)
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert "POSTERS_BACKEND=gpt: input should be 'auto', 'extractive' or 'openai'; set " \
           "POSTERS_BACKEND to one of auto, extractive, openai, or unset it" in line
    assert "POSTERS_MIN_RELEVANCE=2: input should be less than or equal to 1; set " \
           "POSTERS_MIN_RELEVANCE to a number from 0.0 to 1.0" in line


@pytest.mark.parametrize("out, message", [
    ("missing/deeper/map.png", "the folder {tmp}/missing/deeper does not exist; create it "
     "first (mkdir -p {tmp}/missing/deeper)"),
    ("map.txt", "the file name must end in .png; e.g. --out {tmp}/map.png"),
])
def test_map_out_is_checked_before_any_work(tmp_path, out, message):
    result = run("map", "--out", str(tmp_path / out), "--store", str(tmp_path / "store"),
                 env=HASH_MODEL)
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error: --out ") and message.format(tmp=tmp_path) in line
    assert not (tmp_path / "store").exists()


def test_the_sentence_that_answers_is_chosen_not_the_one_that_names_the_poster():
    title = "Generative Category-level Object Pose Estimation via Diffusion Models"
    abstract = ("Object pose estimation is central to robotics. Leveraging score-based "
                "diffusion models, we estimate object poses by sampling candidates. Our method "
                "reaches state-of-the-art performance on the REAL275 dataset.")
    question = ("on which dataset does the diffusion object pose estimation poster claim state "
                "of the art?")
    assert "REAL275" in best_sentence(question, abstract, title)
    # "speed-up" asks for a figure: the sentence that has one
    abstract = ("Scaling the long skip connections stabilises training. Training is 1.5x faster "
                "with it. We analyse why the UNet is unstable in diffusion models.")
    title = "ScaleLong: Stable Training of Diffusion Models by Scaling Long Skip Connections"
    assert "1.5x" in best_sentence("What training speed-up do they get by scaling down the "
                                   "skip connections?", abstract, title)
    # a digit inside a name ("MixFormerV2", "ResNet-50") is not a figure: the sentence with
    # the speed is chosen over one that only names the model
    abstract = ("We propose MixFormerV2, a fully transformer tracker. To make the MixFormerV2 "
                "model fast on GPU and CPU we distil it. The base model reaches 165 FPS on a GPU.")
    title = "MixFormerV2: Efficient Fully Transformer Tracking"
    assert "165 FPS" in best_sentence("how fast does the MixFormerV2 model run on GPU?",
                                      abstract, title)
    # a measure named without "how" ("what dataset size") asks for a figure too, and a
    # dataset poster's "we release" states its contribution
    abstract = ("Sign languages are used by 70 million people. To help, we release ASL Citizen, "
                "a dataset containing 83,399 videos of 2,731 signs. We show that classifiers "
                "trained on our dataset reach 63% accuracy.")
    title = "ASL Citizen: A Community-Sourced Dataset for Sign Language Recognition"
    assert "83,399" in best_sentence("dataset size", abstract, title)  # as the plan asks it
    # ... in the plural, or as a range ("what range of model sizes ...")
    abstract = ("Language models predict brain responses. We tested whether larger models "
                "from the OPT and LLaMA families are better at predicting brain responses "
                "recorded using fMRI. Prediction performance scales logarithmically with model "
                "size from 125M to 30B parameter models.")
    title = "Scaling laws for language encoding models in fMRI"
    assert "125M to 30B" in best_sentence("what range of model sizes did they scale when "
                                          "predicting fMRI responses", abstract, title)
