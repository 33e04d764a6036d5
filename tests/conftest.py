"""Shared fixtures. Real Chroma and real llama-index everywhere; the only fake is the
deterministic HashEmbedding (no model), for tests of store logic that need no model."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.settings import OFFLINE_ENV

os.environ.update(OFFLINE_ENV)

import pytest

from assistant.embedding import HashEmbedding
from assistant.poster import Poster
from assistant.settings import BUNDLED_SESSION, Settings
from ingest.parse import Session, format_session, load_session

FAKE_MODEL = "test-hash"


def poster(board: int, abstract: str = "An abstract.", title: str = "A title",
           authors: tuple[str, ...] = ("Ada Lovelace",), kind: str = "poster",
           session: str = "s", award: str = "") -> Poster:
    """A poster made by hand, for tests of what is shown or prompted of one."""
    return Poster(board=board, kind=kind, title=title, authors=authors, abstract=abstract,
                  session=session, award=award)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(assistant, **launch_options) -> Iterator[str]:
    """The real Gradio app on a free loopback port; yields its URL, closes it after."""
    from assistant.app import launch

    port = free_port()
    demo = launch(assistant, port=port, block=False, **launch_options)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        demo.close()


@pytest.fixture(scope="module")
def app_url(real_assistant):
    """The real app over the real store, one per test module."""
    with running_app(real_assistant) as url:
        yield url


@pytest.fixture
def client(app_url):
    """A gradio_client on that app."""
    from gradio_client import Client

    c = Client(app_url, analytics_enabled=False, verbose=False)
    yield c
    c.close()


@pytest.fixture(scope="session")
def bundled() -> Session:
    return load_session(BUNDLED_SESSION)


def write_session(path: Path, session: Session) -> Path:
    path.write_text(format_session(session), encoding="utf-8")
    return path


@pytest.fixture
def small_page(tmp_path, bundled) -> Path:
    """A valid page of the first 12 posters of the bundled session."""
    small = Session(bundled.name, bundled.location, "small", bundled.posters[:12])
    return write_session(tmp_path / "small.txt", small)


@pytest.fixture
def fake_settings(tmp_path) -> Settings:
    return Settings(store=tmp_path / "store", embed_model=FAKE_MODEL)


@pytest.fixture
def fake_embedder() -> HashEmbedding:
    return HashEmbedding(FAKE_MODEL, 64)


@pytest.fixture(scope="session")
def real_store(tmp_path_factory) -> Path:
    """The bundled session ingested once with the real default embedder."""
    from assistant.embedding import load_embedder
    from ingest.build import ingest

    store = tmp_path_factory.mktemp("real") / "store"
    ingest([BUNDLED_SESSION], Settings(store=store), load_embedder(), progress=False)
    return store


@pytest.fixture(scope="session")
def real_assistant(real_store):
    from assistant.ask import Assistant

    return Assistant(Settings(store=real_store))


@pytest.fixture
def llm_assistant(real_store, real_assistant, monkeypatch):
    """A factory: the Assistant of the real store answering through the OpenAI-compatible
    server at a base URL, with short replies and these settings on top."""
    from assistant.ask import Assistant

    def make(base_url: str, **settings) -> Assistant:
        monkeypatch.setenv("OPENAI_BASE_URL", base_url)
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        return Assistant(Settings(store=real_store, backend="openai", llm_max_tokens=64,
                                  llm_timeout=20, **settings), embedder=real_assistant.embedder)
    return make
