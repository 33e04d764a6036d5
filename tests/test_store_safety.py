"""The store never touches what it did not create, survives damage with a clear fix, and keeps
serving readers while ingests publish (issue 14, items 1-3)."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import store as st
from assistant.ask import Assistant
from assistant.cli import cli
from assistant.settings import BUNDLED_SESSION, Settings
from ingest.build import ingest
from ingest.parse import Session, load_session
from tests.conftest import write_session

HASH_MODEL = "hash-64"  # a model-free embedder the CLI can load too
ENV = {"POSTERS_EMBED_MODEL": HASH_MODEL, "POSTERS_BACKEND": "extractive"}


def run(*args: str, **env: str):
    return CliRunner().invoke(cli, list(args), env={**ENV, **env})


def hash_settings(store: Path) -> Settings:
    return Settings(store=store, embed_model=HASH_MODEL)


@pytest.fixture
def hash_embedder():
    from assistant.embedding import load_embedder

    return load_embedder(HASH_MODEL)


@pytest.fixture
def small_store(tmp_path, small_page, hash_embedder) -> Path:
    store = tmp_path / "store"
    ingest([small_page], hash_settings(store), hash_embedder, progress=False)
    return store


def retitled(tmp_path: Path, page: Path, board: int, title: str) -> Path:
    """The page with one poster's title changed: an ingest of it publishes a new generation."""
    session = load_session(page)
    posters = [replace(p, title=title) if p.board == board else p for p in session.posters]
    changed = Session(session.name, session.location, session.source, posters)
    return write_session(tmp_path / f"changed-{abs(hash(title))}.txt", changed)


# 1. A folder that is not a store is never touched.

@pytest.mark.parametrize("command", [["ask", "what is at #100?"], ["ingest"],
                                     ["ingest", "--rebuild"]])
def test_a_folder_that_is_not_a_store_is_refused_and_left_as_it_was(tmp_path, command):
    folder = tmp_path / "d"
    (folder / "gen-photos").mkdir(parents=True)
    (folder / "gen-photos" / "a").write_text("x")
    (folder / "CURRENT").write_text("my own notes")
    result = run(*command, "--store", str(folder))
    assert result.exit_code == 1, result.output
    assert "not a posters store" in result.output and "--store" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["CURRENT", "gen-photos"]
    assert (folder / "gen-photos" / "a").read_text() == "x"
    assert (folder / "CURRENT").read_text() == "my own notes"


def test_the_current_folder_as_store_is_refused_when_it_holds_other_files(tmp_path,
                                                                          monkeypatch):
    (tmp_path / "gen-photos").mkdir()
    (tmp_path / "gen-photos" / "a").write_text("x")
    monkeypatch.chdir(tmp_path)
    result = run("ask", "what is at #100?", POSTERS_STORE=".")
    assert result.exit_code == 1 and "not a posters store" in result.output
    assert (tmp_path / "gen-photos" / "a").read_text() == "x"


def test_a_store_file_path_is_a_clear_error(tmp_path):
    path = tmp_path / "store.txt"
    path.write_text("not a folder")
    result = run("ask", "what is at #100?", POSTERS_STORE=str(path))
    assert result.exit_code == 1 and "is a file, not a store folder" in result.output
    assert path.read_text() == "not a folder"


def test_a_new_store_is_marked_and_an_old_unmarked_store_is_adopted(small_store, small_page,
                                                                    hash_embedder):
    assert (small_store / st.MARKER_FILE).exists()
    (small_store / st.MARKER_FILE).unlink()  # a store written before the marker existed
    report = ingest([small_page], hash_settings(small_store), hash_embedder, rebuild=True,
                    progress=False)
    assert report.posters == 12 and (small_store / st.MARKER_FILE).exists()


def test_inside_a_store_only_generations_are_ever_removed(tmp_path, small_store, small_page,
                                                          hash_embedder):
    (small_store / "gen-photos").mkdir()
    (small_store / "gen-photos" / "a").write_text("x")
    (small_store / "notes.txt").write_text("mine")
    ingest([retitled(tmp_path, small_page, 100, "A New Title")], hash_settings(small_store),
           hash_embedder, progress=False)
    assert (small_store / "gen-photos" / "a").read_text() == "x"
    assert (small_store / "notes.txt").read_text() == "mine"
    assert len([p for p in small_store.glob("gen-2*")]) == 1


def test_a_symlink_at_the_lock_file_does_not_damage_its_target(tmp_path, small_store, small_page):
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    (small_store / st.LOCK_FILE).unlink(missing_ok=True)
    (small_store / st.LOCK_FILE).symlink_to(target)
    result = run("ingest", "--source", str(retitled(tmp_path, small_page, 100, "Other")),
                 "--store", str(small_store))
    assert result.exit_code == 1 and "symbolic link" in result.output
    assert target.read_text() == "keep me"


# 3. Damage gets a clear message, and the command it names repairs it.

@pytest.mark.parametrize("content", [
    os.urandom(64), b"gen-photos", b"g" * 5000, b"../elsewhere", b"/tmp",
    b"gen-20260101-000000-deadbeef",  # names a generation that is not there
], ids=["binary", "folder", "5000 chars", "relative path", "absolute path", "missing gen"])
def test_a_damaged_current_is_one_line_and_rebuild_repairs_it(small_store, small_page, content):
    (small_store / "CURRENT").write_bytes(content)
    asked = run("ask", "what is at #100?", "--store", str(small_store))
    assert asked.exit_code == 1 and "Traceback" not in asked.output
    message = asked.output.strip()
    assert "\n" not in message and "posters ingest --rebuild" in message
    assert len(message) < 400
    rebuilt = run("ingest", "--rebuild", "--source", str(small_page), "--store",
                  str(small_store))
    assert rebuilt.exit_code == 0, rebuilt.output
    again = run("ask", "what is at #100?", "--store", str(small_store), "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["citations"] == [100]


def test_a_kill_during_the_current_write_leaves_no_file_behind(small_store, small_page):
    (small_store / ".CURRENT.k1ll3d").write_text("gen-2026")
    result = run("ingest", "--source", str(small_page), "--store", str(small_store))
    assert result.exit_code == 0 and "store not modified" in result.output
    assert not list(small_store.glob(".CURRENT.*"))


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small file system needs root")
def test_a_full_disk_leaves_nothing_to_resume_and_the_store_as_it_was(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], check=True)
    try:
        store = disk / "store"
        for _ in range(2):  # the second run must not resume the half-built generation
            result = run("ingest", "--source", str(BUNDLED_SESSION), "--store", str(store))
            assert result.exit_code == 1, result.output
            assert "disk is full" in result.output and "Traceback" not in result.output
            assert not list(store.glob("gen-*"))
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        result = run("ingest", "--source", str(BUNDLED_SESSION), "--store", str(store))
        assert result.exit_code == 0, result.output
        assert "resumed" not in result.output
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)


def test_the_store_removed_under_a_running_assistant(tmp_path, small_store, small_page,
                                                     hash_embedder):
    assistant = Assistant(hash_settings(small_store), embedder=hash_embedder)
    shutil.rmtree(small_store)
    answer = assistant.ask("what is at #100?")
    assert answer.citations == [100]
    assert "was removed" in answer.notice and "posters ingest" in answer.notice
    ingest([retitled(tmp_path, small_page, 100, "Back Again")], hash_settings(small_store),
           hash_embedder, progress=False)
    answer = assistant.ask("what is at #100?")
    assert "Back Again" in answer.answer and answer.notice == ""


# 2. Readers keep working while an ingest publishes.

def test_a_reader_keeps_its_generation_through_a_publish_then_moves_on(
        tmp_path, small_store, small_page, hash_embedder):
    settings = hash_settings(small_store)
    assistant = Assistant(settings, embedder=hash_embedder)
    first = assistant.index.generation
    ingest([retitled(tmp_path, small_page, 100, "Title Two")], settings, hash_embedder,
           progress=False)
    assert (small_store / first).is_dir()  # still open in the reader: not deleted
    old_turn = assistant.index.dense("instances", 3)  # the open generation still answers
    assert old_turn
    answer = assistant.ask("what is at #100?")
    assert "Title Two" in answer.answer and assistant.index.generation != first
    gc.collect()
    ingest([retitled(tmp_path, small_page, 100, "Title Three")], settings, hash_embedder,
           progress=False)
    assert not (small_store / first).exists()  # released by the reader: removed
    assert "Title Three" in assistant.ask("what is at #100?").answer


def test_current_never_leads_outside_the_store(tmp_path, small_store, small_page,
                                               hash_embedder):
    other = tmp_path / "other"
    ingest([retitled(tmp_path, small_page, 100, "Somebody Else's")], hash_settings(other),
           hash_embedder, progress=False)
    (small_store / "CURRENT").write_text(str(st.current_generation(other)))
    result = run("ask", "what is at #100?", "--store", str(small_store))
    assert result.exit_code == 1 and "CURRENT: damaged" in result.output
    assert "Somebody Else's" not in result.output


# 9. Repeated text does not poison the index.

def test_repeated_text_is_stored_once_and_the_store_opens(tmp_path, bundled, hash_embedder):
    first, second, *rest = bundled.posters[:6]
    looping = replace(first, abstract="We repeat one finding about graphs. " * 400)
    twin = replace(second, abstract=looping.abstract)  # another poster, the very same vectors
    page = write_session(tmp_path / "loop.txt", Session(bundled.name, bundled.location, "loop",
                                                        [looping, twin, *rest]))
    settings = hash_settings(tmp_path / "store")
    ingest([page], settings, hash_embedder, progress=False)
    assistant = Assistant(settings, embedder=hash_embedder)  # the self-check passes
    chunks = assistant.index._collection.get(where={"board": first.board})["ids"]
    assert len(chunks) <= 2
    assert assistant.ask(f"what is at #{rest[0].board}?").citations == [rest[0].board]


def test_a_long_abstract_is_embedded_to_its_end(tmp_path, bundled, hash_embedder):
    long = replace(bundled.posters[0], abstract=" ".join(p.abstract for p in bundled.posters[1:5])
                   + " Finally we release a zebrafish locomotion benchmark.")
    page = write_session(tmp_path / "long.txt", Session(bundled.name, bundled.location, "long",
                                                        [long, *bundled.posters[5:9]]))
    settings = hash_settings(tmp_path / "store")
    ingest([page], settings, hash_embedder, progress=False)
    assistant = Assistant(settings, embedder=hash_embedder)
    got = assistant.index._collection.get(where={"board": long.board}, include=["documents"])
    assert len(got["ids"]) >= 2
    assert any("zebrafish" in text for text in got["documents"])


def test_the_manifest_is_read_only_under_the_ingest_lock(tmp_path, small_store, small_page):
    """Another ingest may publish until the lock is taken: what this one diffs against must be
    read after it. Seen from outside: while another ingest holds the lock, this one says so,
    before it has read (here: a manifest that would not even parse)."""
    import fcntl

    manifest = st.current_generation(small_store) / "manifest.json"
    manifest.write_text('{"broken')
    with (small_store / st.LOCK_FILE).open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = run("ingest", "--source", str(retitled(tmp_path, small_page, 100, "New")),
                     "--store", str(small_store))
    assert result.exit_code == 1 and "another `posters ingest` is writing" in result.output
