"""Build or update the store from session pages: the only code that writes the store."""

from __future__ import annotations

import errno
import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llama_index.core.schema import MetadataMode

from assistant import store as st
from assistant.embedding import EmbeddingError, model_identity
from assistant.poster import Poster, PosterKey
from assistant.settings import Settings
from ingest.chunk import chunk_posters, make_splitter, poster_hash
from ingest.parse import SessionFormatError, load_session


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
    chunks_kept: int = 0  # already embedded by an interrupted run this one resumed
    rebuilt: bool = False
    resumed: bool = False
    indexed: bool = False  # a store from before the saved index got one
    seconds: float = 0.0

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.by_kind.items()) if k != "poster")
        head = f"{self.posters} posters ({kinds}; {self.awards} with an award)"
        if not (self.added or self.updated or self.removed):
            if self.indexed:
                return (f"{head}: {self.unchanged} unchanged; the saved index and theme map "
                        f"were written anew (nothing embedded) at {self.store}")
            return f"{head}: {self.unchanged} unchanged, store not modified ({self.store})"
        verb = "rebuilt" if self.rebuilt else "updated"
        resumed = (f" (resumed an interrupted ingest: {self.chunks_kept} chunks were already "
                   "embedded)" if self.resumed else "")
        return (f"{head}: {self.added} added, {self.updated} updated, {self.removed} removed, "
                f"{self.unchanged} unchanged; {self.chunks_embedded} chunks embedded in "
                f"{self.seconds:.1f}s{resumed}; store {verb} at {self.store}")


def load_sources(sources: list[Path]) -> tuple[list[Poster], list[dict]]:
    """Parse every source page. A poster is keyed by session and board: sessions may reuse
    boards (a whole conference in one store; citations then name the session, see
    `assistant.citations`), but a session's board may appear once."""
    posters: list[Poster] = []
    described: list[dict] = []
    first_seen: dict[PosterKey, str] = {}  # poster -> path
    for path in sources:
        session = load_session(path)
        for poster in session.posters:
            where = first_seen.get(poster.key)
            if where is not None:
                raise SessionFormatError(
                    str(path), poster.line + 1, f"board #{poster.board} of "
                    f"{poster.session!r} is also in {where}", "ingest each session page once")
            first_seen[poster.key] = str(path)
        posters.extend(session.posters)
        described.append({"path": str(path), "sha256": _file_sha256(path),
                          "session": session.name, "location": session.location,
                          "posters": len(session.posters)})
    return posters, described


@dataclass
class IngestPlan:
    """What an ingest must do to the live store: a pure diff of content hashes."""

    posters: list[Poster]
    # str(PosterKey), "{session}:{board}" -> hash, for every poster ingested: the manifest's
    hashes: dict[str, str]
    sessions: set[str]
    to_embed: list[Poster]  # new or changed
    stale: list[str]  # the manifest's keys whose old chunks must go: changed or removed

    def is_empty(self) -> bool:
        return not (self.to_embed or self.stale)


def plan_ingest(posters: list[Poster], old: dict[str, str]) -> IngestPlan:
    hashes = {str(p.key): poster_hash(p) for p in posters}
    sessions = {p.session for p in posters}
    return IngestPlan(
        posters=posters, hashes=hashes, sessions=sessions,
        to_embed=[p for p in posters if old.get(str(p.key)) != hashes[str(p.key)]],
        stale=[k for k in old if PosterKey.parse(k).session in sessions
               and old[k] != hashes.get(k)])


def ingest(sources: list[Path], settings: Settings, embedder: Any,
           rebuild: bool = False, progress: bool | None = None) -> IngestReport:
    """Parse, diff against the live store, embed what changed, and publish a new generation.

    An interrupted ingest leaves its generation behind; the next ingest of the same change
    resumes it, embedding only the chunks it does not hold yet."""
    started = time.perf_counter()
    posters, described = load_sources(sources)
    store = settings.store
    server = st.chroma_server(settings)
    st.check_store(store)
    if not st.is_writable(store):  # a read-only store that is already up to date is fine
        manifest, plan, report = _diff(posters, described, settings, rebuild)
        if plan.is_empty() and not _lacks_index(store):
            return report
        st.check_writable(store)
    # The diff is taken under the lock: another ingest may publish until then.
    with st.ingest_lock(store):
        manifest, plan, report = _diff(posters, described, settings, rebuild)
        report.indexed = plan.is_empty() and _lacks_index(store)
        if plan.is_empty() and not report.indexed:  # remove what a killed ingest left behind
            st.discard_stale_generations(store, server)
            return report
        live = None if rebuild else st.current_generation(store)
        generation, building, report.resumed = _resume_or_start(
            store, live, plan, settings, server)
        try:
            report.chunks_embedded, report.chunks_kept = _write_generation(
                generation, live, plan, manifest, described, settings, embedder, progress,
                building, server)
        except Exception as err:
            if not _disk_full(err):
                raise
            # Resuming would only fill the disk again: free what this run wrote.
            st.discard_stale_generations(store, server)
            raise st.StoreError(
                f"{store}: the disk is full; the partial generation was removed and the "
                "store is as it was. Free some space (the bundled session needs about 40 MB) "
                "and run the ingest again") from None
    report.seconds = time.perf_counter() - started
    return report


def _diff(posters: list[Poster], described: list[dict], settings: Settings,
          rebuild: bool) -> tuple[st.Manifest | None, IngestPlan, IngestReport]:
    """The live manifest, what must change, and the report's counts."""
    store = settings.store
    manifest = None if rebuild else st.read_manifest(store)
    if manifest:
        st.check_model(manifest, model_identity(settings), store)
    old = manifest.posters if manifest else {}
    plan = plan_ingest(posters, old)
    report = IngestReport(store=store, posters=len(posters), rebuilt=rebuild or manifest is None,
                          by_kind=Counter(p.kind for p in posters),
                          awards=sum(bool(p.award) for p in posters))
    report.added = sum(str(p.key) not in old for p in plan.to_embed)
    report.updated = len(plan.to_embed) - report.added
    report.removed = sum(k not in plan.hashes for k in plan.stale)
    report.unchanged = len(posters) - len(plan.to_embed)
    return manifest, plan, report


def _lacks_index(store: Path) -> bool:
    """A live generation written before questions read a saved index, or before themes were
    named as they are now (`assistant.themes.THEME_NAMING`; "features · feature · label" was
    a bag of terms): an ingest with nothing to embed still publishes a generation that has
    them."""
    from assistant.index import SAVED_INDEX
    from assistant.themes import named_otherwise

    live = st.current_generation(store)
    if live is None:
        return False
    if not (live / SAVED_INDEX).is_dir():
        return True
    themes = st.read_json(live, st.THEMES_FILE)
    return themes is not None and named_otherwise(themes)


def _disk_full(err: BaseException | None) -> bool:
    """ENOSPC from Python, or SQLite's "database or disk is full" through Chroma's errors."""
    while err is not None:
        if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(s in str(err).lower() for s in ("disk is full", "no space left")):
            return True
        err = err.__cause__ or err.__context__
    return False


def _resume_or_start(store: Path, live: Path | None, plan: IngestPlan, settings: Settings,
                     server: st.ChromaServer | None) -> tuple[Path, dict, bool]:
    """An interrupted generation built on the same live one with the same model, to finish,
    or a fresh one seeded with the live one: (generation, its building record, resumed)."""
    base = live.name if live else None
    for path in sorted(st.stale_generations(store), reverse=True):
        building = st.read_json(path, st.BUILDING_FILE) if path.is_dir() else None
        if building and building.get("base") == base and (
                building.get("embed_model") == model_identity(settings)):
            st.discard_stale_generations(store, server, keep=path.name)
            return path, building, True
    st.discard_stale_generations(store, server)
    generation = st.new_generation(store, copy_from=live)
    if server is not None and live is not None:
        st.copy_collection(st.generation_collection(settings, live),
                           st.generation_collection(settings, generation, create=True))
    building = {"base": base, "embed_model": model_identity(settings), "target": plan.hashes,
                "stale_deleted": False}
    st.write_json(generation, st.BUILDING_FILE, building)
    return generation, building, False


def _write_generation(generation: Path, live: Path | None, plan: IngestPlan,
                      manifest: st.Manifest | None, described: list[dict], settings: Settings,
                      embedder: Any, progress: bool | None,
                      building: dict, server: st.ChromaServer | None) -> tuple[int, int]:
    """Apply the plan to the generation and publish it: (chunks embedded, chunks found
    already embedded by an interrupted run of the same ingest)."""
    collection = st.generation_collection(settings, generation, create=True)
    if not building["stale_deleted"]:
        _delete_posters(collection, plan.stale)
    # Chunks an interrupted run embedded for a poster whose text has changed since are stale.
    _delete_posters(collection, [k for k, h in building["target"].items()
                                 if plan.hashes.get(k) != h and k not in plan.stale])
    st.write_json(generation, st.BUILDING_FILE, {
        **building, "target": plan.hashes, "stale_deleted": True})
    try:
        embedded, kept = _embed_posters(collection, plan.to_embed, embedder, settings,
                                        progress, manifest.dimension if manifest else None)
    except EmbeddingError as err:  # what was flushed stays: the next run resumes from it
        raise st.StoreError(f"{err}; the store is as it was, and the chunks embedded so far "
                            "are kept: run the same ingest again to resume") from None
    if hasattr(embedder, "release_memory"):  # the map below needs the memory more
        embedder.release_memory()
    other_sessions = [p for p in (st.read_posters(live) if live else [])
                      if p.session not in plan.sessions]
    posters = other_sessions + plan.posters
    st.write_posters(generation, posters)
    saved = _saved_index(collection, posters)
    st.write_json(generation, st.THEMES_FILE, _theme_map(saved.poster_vectors, posters))
    saved.save(generation)
    old = manifest.posters if manifest else {}
    kept_posters = {k: v for k, v in old.items()
                    if PosterKey.parse(k).session not in plan.sessions}
    kept_sources = [s for s in (manifest.sources if manifest else [])
                    if s["session"] not in plan.sessions]
    dimension = int(saved.chunk_vectors.shape[1])
    (generation / st.BUILDING_FILE).unlink()
    st.publish_generation(generation.parent, generation, st.Manifest(
        embed_model=model_identity(settings), dimension=dimension,
        sources=kept_sources + described, posters={**kept_posters, **plan.hashes}), server)
    return embedded, kept


def _saved_index(collection, posters: list[Poster]) -> Any:
    """The index questions read (chunk and poster vectors, BM25, term sets), from every chunk
    of the generation: kept, resumed and new alike."""
    from assistant.index import SavedIndex

    chunks = (row for got in st.pages(collection, ["embeddings", "documents", "metadatas"])
              for row in zip(got["ids"], got["embeddings"], got["documents"], got["metadatas"],
                             strict=True))
    return SavedIndex.build(chunks, posters)


def _theme_map(matrix, posters: list[Poster]) -> dict:
    """The session map (themes and 2-D coordinates), computed once here, not per request.
    Posters are named by their citation refs: the board, or "S3 #812" for a reused one."""
    from assistant.catalog import with_refs
    from assistant.themes import build_theme_map

    texts = [f"{p.title}. {p.abstract}" for p in posters]
    refs = [p.ref for p in with_refs(posters)]
    return build_theme_map(refs, texts, matrix).to_dict()


def _delete_posters(collection, keys: list[str]) -> None:
    by_session: dict[str, list[int]] = {}
    for key in map(PosterKey.parse, keys):
        by_session.setdefault(key.session, []).append(key.board)
    for session, boards in by_session.items():
        collection.delete(where={"$and": [{"session": session}, {"board": {"$in": boards}}]})


POSTERS_PER_BATCH = 512  # chunked and embedded together: memory stays bounded
FLUSH_SECONDS = 5.0  # embedded chunks are written at least this often, so a killed ingest
FLUSH_CHUNKS = 2000  # loses little; and in large writes, since Chroma pays per call


def _embed_posters(collection, posters: list[Poster], embedder: Any, settings: Settings,
                   progress: bool | None, dimension: int | None = None) -> tuple[int, int]:
    """Chunk, embed and add the posters a window at a time, skipping chunks the collection
    already holds (a resumed ingest); (chunks embedded, chunks skipped). `dimension`: the
    live store's, which new vectors must have (one model name may hide another model)."""
    from llama_index.vector_stores.chroma import ChromaVectorStore
    from tqdm import tqdm

    present = st.all_ids(collection)
    vector_store = ChromaVectorStore(chroma_collection=collection)
    splitter = make_splitter(settings.chunk_size, settings.chunk_overlap,
                             _token_counter(embedder))
    embedded = kept = 0
    pending: list = []
    flushed = time.monotonic()
    bar = tqdm(total=len(posters), desc="Embedding", unit="poster",
               disable=None if progress is None else not progress)
    for start in range(0, len(posters), POSTERS_PER_BATCH):
        batch = posters[start:start + POSTERS_PER_BATCH]
        nodes = chunk_posters(batch, splitter)
        todo = [n for n in nodes if n.node_id not in present]
        kept += len(nodes) - len(todo)
        # Similar lengths in a model batch means less padding for the model to chew through.
        todo.sort(key=lambda n: len(n.get_content(MetadataMode.EMBED)))
        # A remote embedder keeps several requests in flight: give it that many batches.
        step = settings.embed_batch_size * getattr(embedder, "in_flight", 1)
        shown = 0  # posters of this batch the bar counts as done
        for first in range(0, len(todo), step):
            chunk = todo[first:first + step]
            vectors = embedder.get_text_embedding_batch(
                [n.get_content(MetadataMode.EMBED) for n in chunk])
            _check_dimension(vectors, dimension, settings)
            for node, vector in zip(chunk, vectors, strict=True):
                node.embedding = vector
            pending += chunk
            if len(pending) >= FLUSH_CHUNKS or time.monotonic() - flushed > FLUSH_SECONDS:
                vector_store.add(pending)
                embedded += len(pending)
                pending, flushed = [], time.monotonic()
            # The bar moves as the chunks are embedded, not once per batch (the bundled
            # session is a single batch: it sat at 0/391 until the end).
            done = len(batch) * (first + len(chunk)) // len(todo)
            bar.update(done - shown)
            shown = done
        bar.update(len(batch) - shown)
    if pending:
        vector_store.add(pending)
        embedded += len(pending)
    bar.close()
    return embedded, kept


def _check_dimension(vectors: list, dimension: int | None, settings: Settings) -> None:
    if dimension and vectors and len(vectors[0]) != dimension:
        raise st.StoreError(
            f"{settings.store}: the model {model_identity(settings)!r} returned "
            f"{len(vectors[0])}-dimensional vectors, but the store holds {dimension}-"
            f"dimensional ones under that name (another model behind it?); {st.REBUILD_HINT}")


def _token_counter(embedder: Any):
    from assistant.embedding import token_counter

    return token_counter(embedder)


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
