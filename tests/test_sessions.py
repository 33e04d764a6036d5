"""Several sessions in one store: answers show the session on the card, and filter by it."""

from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner
from gradio_client import Client

from assistant import store as st
from assistant.ask import Assistant
from assistant.cli import cli
from assistant.retrieve import PosterFilter
from assistant.settings import Settings
from ingest.build import ingest
from ingest.parse import Session, SessionFormatError
from tests.conftest import running_app, write_session

pytestmark = pytest.mark.slow

SECOND = "Poster Session 3"


def moved(posters, session: str, offset: int):
    return [dataclasses.replace(p, session=session, board=p.board + offset) for p in posters]


@pytest.fixture(scope="module")
def two_sessions(tmp_path_factory, bundled, real_assistant):
    """Session 2's first 12 posters, and 12 others as "Poster Session 3" on boards 5000+."""
    folder = tmp_path_factory.mktemp("sessions")
    first = write_session(folder / "s2.txt", Session(bundled.name, bundled.location, "s2",
                                                     bundled.posters[:12]))
    second = write_session(folder / "s3.txt", Session(
        SECOND, bundled.location, "s3", moved(bundled.posters[12:24], SECOND, 5000)))
    settings = Settings(store=folder / "store")
    ingest([first], settings, real_assistant.embedder, progress=False)
    report = ingest([second], settings, real_assistant.embedder, progress=False)
    assert (report.added, report.unchanged) == (12, 0)
    return settings, first, second


@pytest.fixture(scope="module")
def multi(two_sessions, real_assistant) -> Assistant:
    return Assistant(two_sessions[0], embedder=real_assistant.embedder)


def test_a_store_holds_both_sessions(multi, bundled):
    assert multi.sessions == [bundled.name, SECOND]
    assert len(multi.index.cards) == 24
    topic = bundled.posters[14].title  # now board 5000 + its board, in session 3
    answer = multi.ask(topic)
    assert answer.citations[0] == bundled.posters[14].board + 5000
    assert answer.sources[0].session == SECOND


def test_filter_by_session(multi, bundled):
    topic = bundled.posters[14].title
    only_two = multi.ask(topic, where=PosterFilter(session=bundled.name))
    assert all(s.session == bundled.name for s in only_two.sources)
    assert bundled.posters[14].board + 5000 not in only_two.citations
    board = bundled.posters[2].board
    missing = multi.ask(f"what is at #{board}?", where=PosterFilter(session=SECOND))
    assert missing.abstained


def test_cli_session_option(two_sessions, bundled):
    settings, *_ = two_sessions
    runner = CliRunner()
    topic = bundled.posters[14].title
    result = runner.invoke(cli, ["ask", topic, "--store", str(settings.store)])
    assert result.exit_code == 0 and f"[{SECOND}]" in result.output
    narrowed = runner.invoke(cli, ["ask", topic, "--json", "--session", bundled.name,
                                   "--store", str(settings.store)])
    assert narrowed.exit_code == 0, narrowed.output
    assert {s["session"] for s in json.loads(narrowed.output)["sources"]} <= {bundled.name}
    unknown = runner.invoke(cli, ["ask", topic, "--session", "Session 9",
                                  "--store", str(settings.store)])
    assert unknown.exit_code == 1 and "no session 'Session 9'" in unknown.output
    assert SECOND in unknown.output


def test_reingesting_one_session_keeps_the_other(two_sessions, real_assistant, bundled):
    settings, first, _second = two_sessions
    report = ingest([first], settings, real_assistant.embedder, progress=False)
    assert report.unchanged == 12
    assert {s["session"] for s in st.read_manifest(settings.store).sources} == {
        bundled.name, SECOND}


def test_one_session_twice_is_refused_and_the_store_kept(two_sessions, real_assistant):
    """Sessions may reuse boards (tests/test_conference.py); a session's board, once."""
    settings, first, _second = two_sessions
    before = (settings.store / "CURRENT").read_text()
    with pytest.raises(SessionFormatError, match="ingest each session page once") as err:
        ingest([first, first], settings, real_assistant.embedder, progress=False)
    assert str(first) in str(err.value)
    assert (settings.store / "CURRENT").read_text() == before


def test_app_filters_by_session_and_shows_it_on_cards(multi, bundled):
    topic = bundled.posters[14].title
    with running_app(multi) as url:
        client = Client(url, analytics_enabled=False, verbose=False)
        kinds = ["poster", "spotlight", "oral"]
        _history, sources, _choices = client.predict(topic, [], kinds, 0, 9999, SECOND,
                                                      api_name="/chat")
        assert f"#{bundled.posters[14].board + 5000}" in sources and SECOND in sources
        fresh = Client(url, analytics_enabled=False, verbose=False)  # no earlier cards
        _history, sources, _choices = fresh.predict(topic, [], kinds, 0, 9999, bundled.name,
                                                    api_name="/chat")
        assert f"#{bundled.posters[14].board + 5000}" not in sources
        _history, sources, _choices = fresh.predict(
            bundled.posters[3].title, [], kinds, 0, 9999, bundled.name, api_name="/chat")
        assert f"#{bundled.posters[3].board}" in sources and bundled.name in sources
        assert SECOND not in sources
