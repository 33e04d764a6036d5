"""Build or update the store from session pages: the only code that writes the store."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import MetadataMode, TextNode

from assistant import store as st
from assistant.settings import Settings
from ingest.chunk import chunk_posters, make_splitter, poster_hash, poster_key, poster_record
from ingest.parse import Poster, SessionFormatError, load_session


@dataclass
class IngestReport:
    store: Path
    posters: int = 0
    by_kind: Counter = field(default_factory=Counter)
    awards: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks_embedded: int = 0
    rebuilt: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.by_kind.items()) if k != "poster")
        head = f"{self.posters} posters ({kinds}; {self.awards} with an award)"
        if not (self.added or self.updated or self.removed):
            return f"{head}: {self.unchanged} unchanged, store not modified ({self.store})"
        verb = "rebuilt" if self.rebuilt else "updated"
        return (f"{head}: {self.added} added, {self.updated} updated, {self.removed} removed, "
                f"{self.unchanged} unchanged; {self.chunks_embedded} chunks embedded in "
                f"{self.seconds:.1f}s; store {verb} at {self.store}")


def load_sources(sources: list[Path]) -> tuple[list[Poster], list[dict]]:
    """Parse every source page; boards must be unique within a session across files."""
    posters: list[Poster] = []
    described: list[dict] = []
    first_seen: dict[str, str] = {}
    for path in sources:
        session = load_session(path)
        for poster in session.posters:
            key = poster_key(poster)
            if key in first_seen:
                raise SessionFormatError(str(path), poster.line + 1,
                                         f"board #{poster.board} of {poster.session!r} is also in "
                                         f"{first_seen[key]}", "ingest each session page once")
            first_seen[key] = str(path)
        posters.extend(session.posters)
        described.append({"path": str(path), "sha256": _file_sha256(path),
                          "session": session.name, "location": session.location,
                          "posters": len(session.posters)})
    return posters, described


@dataclass
class IngestPlan:
    """What an ingest must do to the live store: a pure diff of content hashes."""

    posters: list[Poster]
    hashes: dict[str, str]  # "{session}:{board}" -> hash, for every poster ingested
    sessions: set[str]
    to_embed: list[Poster]  # new or changed
    stale: list[str]  # keys whose old chunks must go: changed or removed

    def is_empty(self) -> bool:
        return not (self.to_embed or self.stale)


def plan_ingest(posters: list[Poster], old: dict[str, str]) -> IngestPlan:
    hashes = {poster_key(p): poster_hash(p) for p in posters}
    sessions = {p.session for p in posters}
    return IngestPlan(
        posters=posters, hashes=hashes, sessions=sessions,
        to_embed=[p for p in posters if old.get(poster_key(p)) != hashes[poster_key(p)]],
        stale=[k for k in old if k.rsplit(":", 1)[0] in sessions and old[k] != hashes.get(k)])


def ingest(sources: list[Path], settings: Settings, embedder: BaseEmbedding,
           rebuild: bool = False, progress: bool | None = None) -> IngestReport:
    """Parse, diff against the live store, embed what changed, and publish a new generation."""
    started = time.perf_counter()
    posters, described = load_sources(sources)
    store = settings.store
    manifest = None if rebuild else st.read_manifest(store)
    if manifest:
        st.check_model(manifest, settings.embed_model, store)
    old = manifest.posters if manifest else {}
    plan = plan_ingest(posters, old)
    report = IngestReport(store=store, posters=len(posters), rebuilt=rebuild or manifest is None,
                          by_kind=Counter(p.kind for p in posters),
                          awards=sum(bool(p.award) for p in posters))
    report.added = sum(poster_key(p) not in old for p in plan.to_embed)
    report.updated = len(plan.to_embed) - report.added
    report.removed = sum(k not in plan.hashes for k in plan.stale)
    report.unchanged = len(posters) - len(plan.to_embed)
    if plan.is_empty():
        _tidy(store)
        return report
    st.check_writable(store)
    with st.ingest_lock(store):
        st.discard_stale_generations(store)  # left by an ingest that was killed
        live = None if rebuild else st.current_generation(store)
        generation = st.new_generation(store, copy_from=live)
        try:
            report.chunks_embedded = _write_generation(
                generation, live, plan, manifest, described, settings, embedder, progress)
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise
    report.seconds = time.perf_counter() - started
    return report


def _tidy(store: Path) -> None:
    """Remove what a killed ingest left behind, when nothing else needs doing."""
    live = st.current_generation(store)
    leftovers = [p for p in store.glob("gen-*") if live is None or p.name != live.name]
    if leftovers and os.access(store, os.W_OK):
        with st.ingest_lock(store):
            st.discard_stale_generations(store)


def _write_generation(generation: Path, live: Path | None, plan: IngestPlan,
                      manifest: st.Manifest | None, described: list[dict], settings: Settings,
                      embedder: BaseEmbedding, progress: bool | None) -> int:
    """Apply the plan to a fresh generation and publish it; the number of chunks embedded."""
    collection = st.open_collection(st.chroma_client(generation), settings.collection,
                                    create=True)
    _delete_posters(collection, plan.stale)
    nodes = chunk_posters(plan.to_embed, make_splitter(
        settings.chunk_size, settings.chunk_overlap, _token_counter(embedder)))
    _embed_and_add(collection, nodes, embedder, settings.embed_batch_size, progress)
    other_sessions = [r for r in (st.read_posters(live) if live else [])
                      if r["session"] not in plan.sessions]
    records = other_sessions + [poster_record(p) for p in plan.posters]
    st.write_posters(generation, records)
    st.write_json(generation, st.THEMES_FILE, _theme_map(collection, records))
    old = manifest.posters if manifest else {}
    kept = {k: v for k, v in old.items() if k.rsplit(":", 1)[0] not in plan.sessions}
    kept_sources = [s for s in (manifest.sources if manifest else [])
                    if s["session"] not in plan.sessions]
    dimension = len(nodes[0].embedding) if nodes else (manifest.dimension if manifest else 0)
    st.publish_generation(generation.parent, generation, st.Manifest(
        embed_model=settings.embed_model, dimension=dimension,
        sources=kept_sources + described, posters={**kept, **plan.hashes}))
    return len(nodes)


def _theme_map(collection, records: list[dict]) -> dict:
    """The session map (themes and 2-D coordinates), computed once here, not per request."""
    import numpy as np

    from assistant.themes import build_theme_map

    vectors = st.poster_vectors(collection)
    ordered = [r for r in records if f"{r['session']}:{r['board']}" in vectors]
    matrix = np.array([vectors[f"{r['session']}:{r['board']}"] for r in ordered])
    texts = [f"{r['title']}. {r['abstract']}" for r in ordered]
    return build_theme_map([r["board"] for r in ordered], texts, matrix).to_dict()


def _delete_posters(collection, keys: list[str]) -> None:
    by_session: dict[str, list[int]] = {}
    for key in keys:
        session, board = key.rsplit(":", 1)
        by_session.setdefault(session, []).append(int(board))
    for session, boards in by_session.items():
        collection.delete(where={"$and": [{"session": session}, {"board": {"$in": boards}}]})


def _embed_and_add(collection, nodes: list[TextNode], embedder: BaseEmbedding,
                   batch_size: int, progress: bool | None) -> None:
    from llama_index.vector_stores.chroma import ChromaVectorStore
    from tqdm import tqdm

    vector_store = ChromaVectorStore(chroma_collection=collection)
    # Similar lengths in a batch means less padding for the model to chew through.
    ordered = sorted(nodes, key=lambda n: len(n.get_content(MetadataMode.EMBED)))
    bar = tqdm(total=len(ordered), desc="Embedding", unit="chunk",
               disable=None if progress is None else not progress)
    for start in range(0, len(ordered), batch_size):
        batch = ordered[start:start + batch_size]
        vectors = embedder.get_text_embedding_batch(
            [n.get_content(MetadataMode.EMBED) for n in batch])
        for node, vector in zip(batch, vectors, strict=True):
            node.embedding = vector
        vector_store.add(batch)
        bar.update(len(batch))
    bar.close()


def _token_counter(embedder: BaseEmbedding):
    from assistant.embedding import token_counter

    return token_counter(embedder)


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
