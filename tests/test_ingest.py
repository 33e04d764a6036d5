"""Ingest into a real on-disk Chroma store: idempotence, updates, refusals, nothing lost."""

from __future__ import annotations

import dataclasses
import re

import chromadb
import pytest

from assistant import store as st
from assistant.ask import Assistant
from assistant.settings import Settings
from ingest import build
from ingest.build import ingest
from ingest.parse import Session, SessionFormatError, load_session
from tests.conftest import write_session


def collection_of(settings: Settings):
    generation = st.current_generation(settings.store)
    return st.open_collection(st.chroma_client(generation), settings.collection)


def test_first_ingest_writes_flat_metadata_and_stable_ids(small_page, fake_settings,
                                                           fake_embedder):
    report = ingest([small_page], fake_settings, fake_embedder)
    assert (report.posters, report.added, report.unchanged) == (12, 12, 0)
    got = collection_of(fake_settings).get(include=["metadatas"])
    assert "Poster Session 2:100:0" in got["ids"]
    meta = got["metadatas"][got["ids"].index("Poster Session 2:100:0")]
    assert meta["board"] == 100 and meta["kind"] == "spotlight" and meta["award"] == ""
    assert meta["session"] == "Poster Session 2" and meta["chunk"] == 0
    assert meta["authors"].startswith("Zijie Geng · Xijun Li")
    values = [v for m in got["metadatas"] for v in m.values()]
    assert all(isinstance(v, str | int | float | bool) for v in values)


def test_collection_uses_cosine_space(small_page, fake_settings, fake_embedder):
    ingest([small_page], fake_settings, fake_embedder)
    assert collection_of(fake_settings).configuration["hnsw"]["space"] == "cosine"


def test_second_ingest_changes_nothing(small_page, fake_settings, fake_embedder):
    ingest([small_page], fake_settings, fake_embedder)
    before = (fake_settings.store / "CURRENT").read_text()
    report = ingest([small_page], fake_settings, fake_embedder)
    assert report.unchanged == 12 and report.added == report.updated == 0
    assert "12 unchanged" in report.summary()
    assert (fake_settings.store / "CURRENT").read_text() == before


def test_changed_abstract_is_updated_in_place(tmp_path, bundled, fake_settings, fake_embedder):
    posters = bundled.posters[:12]
    page = write_session(tmp_path / "p.txt", Session(bundled.name, "", "p", posters))
    ingest([page], fake_settings, fake_embedder)
    changed = [dataclasses.replace(posters[3], abstract="Quantum knitting of wool sweaters.")]
    write_session(page, Session(bundled.name, "", "p", posters[:3] + changed + posters[4:]))
    report = ingest([page], fake_settings, fake_embedder)
    assert (report.updated, report.added, report.unchanged) == (1, 0, 11)
    coll = collection_of(fake_settings)
    assert coll.count() == 12
    doc = coll.get(ids=[f"Poster Session 2:{posters[3].board}:0"])["documents"][0]
    assert doc == "Quantum knitting of wool sweaters."


def test_rebuild_rebuilds(small_page, fake_settings, fake_embedder):
    ingest([small_page], fake_settings, fake_embedder)
    report = ingest([small_page], fake_settings, fake_embedder, rebuild=True)
    assert report.rebuilt and report.added == 12
    assert len(list(fake_settings.store.glob("gen-*"))) == 1


def test_store_of_another_model_is_refused(small_page, fake_settings, fake_embedder):
    ingest([small_page], fake_settings, fake_embedder)
    other = Settings(store=fake_settings.store, embed_model="some/other-model")
    with pytest.raises(st.StoreError, match="--rebuild"):
        ingest([small_page], other, fake_embedder)
    with pytest.raises(st.StoreError, match="built with embedding model 'test-hash'"):
        Assistant(other, embedder=fake_embedder)


def test_failed_parse_leaves_the_store_answering(tmp_path, small_page, fake_settings,
                                                 fake_embedder):
    ingest([small_page], fake_settings, fake_embedder)
    assistant = Assistant(fake_settings, embedder=fake_embedder)
    before = assistant.ask("generative framework for MILP instances").citations
    bad = tmp_path / "bad.txt"
    bad.write_text(small_page.read_text().replace("#101", "#1O1"), encoding="utf-8")
    with pytest.raises(SessionFormatError):
        ingest([bad], fake_settings, fake_embedder)
    again = Assistant(fake_settings, embedder=fake_embedder)
    assert again.ask("generative framework for MILP instances").citations == before
    assert len(list(fake_settings.store.glob("gen-*"))) == 1




def test_embedder_failure_midway_keeps_previous_store(tmp_path, bundled, fake_settings,
                                                      fake_embedder, monkeypatch):
    monkeypatch.setattr(build, "FLUSH_CHUNKS", 8)  # written 8 chunks at a time
    page = write_session(tmp_path / "p.txt", Session(bundled.name, "", "p", bundled.posters[:5]))
    ingest([page], fake_settings, fake_embedder)
    calls = {"n": 0}
    original = type(fake_embedder)._get_text_embeddings

    def flaky(self, texts):
        calls["n"] += 1
        if calls["n"] > 3:
            raise RuntimeError("embedder crashed")
        return original(self, texts)

    bigger = write_session(tmp_path / "q.txt",
                           Session(bundled.name, "", "q", bundled.posters[:40]))
    type(fake_embedder)._get_text_embeddings = flaky
    try:
        settings = fake_settings.model_copy(update={"embed_batch_size": 4})
        with pytest.raises(RuntimeError, match="embedder crashed"):
            ingest([bigger], settings, fake_embedder)
    finally:
        type(fake_embedder)._get_text_embeddings = original
    assert collection_of(fake_settings).count() == 5
    assert st.read_manifest(fake_settings.store).posters.keys() == {
        f"Poster Session 2:{p.board}" for p in bundled.posters[:5]}
    # The interrupted generation stays beside the live one, and the next run finishes it
    # without embedding again what it already holds.
    assert len(list(fake_settings.store.glob("gen-*"))) == 2
    report = ingest([bigger], fake_settings, fake_embedder)
    assert report.resumed and report.chunks_kept == 8  # the first write of 8 chunks
    assert "resumed an interrupted ingest" in report.summary()
    assert collection_of(fake_settings).count() == 5 + report.chunks_embedded + report.chunks_kept
    assert len(Assistant(fake_settings, embedder=fake_embedder).index.cards) == 40
    assert len(list(fake_settings.store.glob("gen-*"))) == 1


def test_resume_reembeds_a_poster_changed_since_the_interruption(tmp_path, bundled,
                                                                 fake_settings, fake_embedder,
                                                                 monkeypatch):
    monkeypatch.setattr(build, "FLUSH_CHUNKS", 4)
    page = write_session(tmp_path / "p.txt", Session(bundled.name, "", "p", bundled.posters[:8]))
    failing = fake_settings.model_copy(update={"embed_batch_size": 2})
    original = type(fake_embedder)._get_text_embeddings
    calls = {"n": 0}

    def flaky(self, texts):
        calls["n"] += 1
        if calls["n"] > 2:
            raise RuntimeError("interrupted")
        return original(self, texts)

    type(fake_embedder)._get_text_embeddings = flaky
    try:
        with pytest.raises(RuntimeError):
            ingest([page], failing, fake_embedder)
    finally:
        type(fake_embedder)._get_text_embeddings = original
    edited = [dataclasses.replace(p, abstract=f"Rewritten abstract {i}.")
              for i, p in enumerate(bundled.posters[:8])]
    write_session(page, Session(bundled.name, "", "p", edited))
    report = ingest([page], fake_settings, fake_embedder)
    assert report.resumed and report.chunks_kept == 0 and report.chunks_embedded == 8
    docs = collection_of(fake_settings).get(include=["documents"])["documents"]
    assert sorted(docs) == sorted(f"Rewritten abstract {i}." for i in range(8))


def test_empty_store_ingests_bundled_session_on_first_question(tmp_path, fake_embedder):
    settings = Settings(store=tmp_path / "fresh", embed_model="test-hash")
    messages = []
    assistant = Assistant(settings, embedder=fake_embedder, echo=messages.append)
    assert "empty" in messages[0] and "391 posters" in messages[1]
    assert len(assistant.index.cards) == 391


def test_two_sessions_share_one_store(tmp_path, bundled, fake_settings, fake_embedder):
    other = [dataclasses.replace(p, session="Poster Session 3", board=p.board + 5000)
             for p in bundled.posters[:4]]
    a = write_session(tmp_path / "a.txt", Session(bundled.name, "", "a", bundled.posters[:4]))
    b = write_session(tmp_path / "b.txt", Session("Poster Session 3", "", "b", other))
    report = ingest([a, b], fake_settings, fake_embedder)
    assert report.posters == 8
    assert load_session(b).name == "Poster Session 3"
    assert collection_of(fake_settings).count() == 8
    assert isinstance(chromadb.__version__, str)


def test_the_model_gives_the_same_vectors_after_releasing_its_memory(real_assistant):
    embedder = real_assistant.embedder
    before = embedder.get_text_embedding("graph neural networks for molecules")
    embedder.release_memory()  # what ingest does before building the session map
    after = embedder.get_text_embedding("graph neural networks for molecules")
    assert after == pytest.approx(before, abs=1e-6)
    assert real_assistant.ask("what is at #813?").citations == [813]


def test_the_progress_bar_moves_while_the_posters_are_embedded(small_page, tmp_path, capsys):
    # The bundled session is one batch of posters: the bar must move as its chunks are
    # embedded, not jump from 0 to the end.
    import time

    from assistant.embedding import HashEmbedding
    from tests.conftest import FAKE_MODEL

    class SlowHash(HashEmbedding):  # a model that takes its time, as the real one does
        def get_text_embedding_batch(self, texts, **kwargs):
            time.sleep(0.15)
            return super().get_text_embedding_batch(texts, **kwargs)

    settings = Settings(store=tmp_path / "store", embed_model=FAKE_MODEL, embed_batch_size=2)
    ingest([small_page], settings, SlowHash(FAKE_MODEL, 64), progress=True)
    shown = set(re.findall(r"Embedding:\s+\d+%\|[^|]*\|\s*(\d+)/12", capsys.readouterr().err))
    assert {"0", "12"} < shown and len(shown) >= 4, shown
