"""Questions read the saved index written at ingest (vectors, BM25, term sets) and the poster
table: the Chroma database is not needed to answer, and an older store without the index
gets one from a plain ingest that embeds nothing."""

from __future__ import annotations

import shutil

from assistant import store as st
from assistant.ask import Assistant
from assistant.index import SAVED_INDEX
from ingest.build import ingest

QUESTIONS = ["what is at #100?", "generative framework for MILP instances",
             "which posters are spotlights?"]


def answers(assistant: Assistant) -> list[dict]:
    return [assistant.ask(q).to_json() for q in QUESTIONS]


def test_answers_come_from_the_saved_index_without_chroma(small_page, fake_settings,
                                                          fake_embedder):
    ingest([small_page], fake_settings, fake_embedder, progress=False)
    before = answers(Assistant(fake_settings, embedder=fake_embedder))
    assert before[0]["citations"] == [100]
    shutil.rmtree(st.current_generation(fake_settings.store) / "chroma")
    assert answers(Assistant(fake_settings, embedder=fake_embedder)) == before


def test_an_older_store_answers_and_a_plain_ingest_gives_it_the_index(small_page,
                                                                      fake_settings,
                                                                      fake_embedder):
    ingest([small_page], fake_settings, fake_embedder, progress=False)
    before = answers(Assistant(fake_settings, embedder=fake_embedder))
    old = st.current_generation(fake_settings.store)
    shutil.rmtree(old / SAVED_INDEX)  # as written before the saved index existed
    assert answers(Assistant(fake_settings, embedder=fake_embedder)) == before
    report = ingest([small_page], fake_settings, fake_embedder, progress=False)
    assert report.indexed and report.chunks_embedded == 0
    assert "saved index and theme map were written anew (nothing embedded)" in report.summary()
    live = st.current_generation(fake_settings.store)
    assert live != old and (live / SAVED_INDEX).is_dir()
    assert answers(Assistant(fake_settings, embedder=fake_embedder)) == before
    again = ingest([small_page], fake_settings, fake_embedder, progress=False)
    assert not again.indexed and "store not modified" in again.summary()


def test_a_plain_ingest_renames_themes_an_older_store_named_by_a_bag_of_terms(
        small_page, fake_settings, fake_embedder):
    ingest([small_page], fake_settings, fake_embedder, progress=False)
    old = st.current_generation(fake_settings.store)
    themes = st.read_json(old, st.THEMES_FILE)
    for theme in themes["themes"]:  # as written before themes were named by a phrase
        theme["label"] = " · ".join(theme["terms"][:3])
    st.write_json(old, st.THEMES_FILE, themes)
    report = ingest([small_page], fake_settings, fake_embedder, progress=False)
    assert report.indexed and report.chunks_embedded == 0
    live = st.current_generation(fake_settings.store)
    labels = [t["label"] for t in st.read_json(live, st.THEMES_FILE)["themes"]]
    assert live != old and labels and not any(" · " in label for label in labels)


def test_a_plain_ingest_renames_themes_named_by_an_older_rule(
        small_page, fake_settings, fake_embedder):
    """The app's map legend reads the stored names; after the naming changes, a plain ingest
    brings them in line with what "what's in this session?" says."""
    ingest([small_page], fake_settings, fake_embedder, progress=False)
    old = st.current_generation(fake_settings.store)
    themes = st.read_json(old, st.THEMES_FILE)
    fresh = [t["label"] for t in themes["themes"]]
    del themes["naming"]  # as written by the rule before
    for theme in themes["themes"]:
        theme["label"] = "an older name"
    st.write_json(old, st.THEMES_FILE, themes)
    report = ingest([small_page], fake_settings, fake_embedder, progress=False)
    assert report.indexed and report.chunks_embedded == 0
    live = st.current_generation(fake_settings.store)
    assert [t["label"] for t in st.read_json(live, st.THEMES_FILE)["themes"]] == fresh
    assert not ingest([small_page], fake_settings, fake_embedder, progress=False).indexed
