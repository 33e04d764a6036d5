"""The opened store: poster cards, and the dense, BM25 and hybrid rankers over it.

A query reads the generation's saved index (written at ingest, see `SAVED_INDEX`): the chunk
vectors and poster vectors as arrays, the BM25 index of `bm25s` and the per-poster term sets,
all memory-mapped, so a store opens in the time it takes to read its poster table. Neither
llama-index nor (for the embedded store) Chroma is imported on the way to an answer. With a
Chroma server the dense search goes to the server, where the vectors live.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np

from assistant import store as st
from assistant.catalog import with_refs
from assistant.citations import Ref
from assistant.poster import Poster, PosterKey
from assistant.retrieve import ANY_POSTER, PosterFilter, Ranking, best_per_poster
from assistant.settings import Settings
from assistant.text import snowball_stemmer

_POOL = 40  # chunks each ranker contributes before fusion and filtering
SAVED_INDEX = "index"  # the folder of the saved index inside a generation
CHUNK_VECTORS = "chunk_vectors.npy"  # float32, one unit row per chunk
CHUNK_ROWS = "chunk_rows.npy"  # int32, the poster-table row of each chunk
POSTER_VECTORS = "poster_vectors.npy"  # float32, the unit mean of each poster's chunks
BM25_DIR = "bm25"  # bm25s.BM25.save(), documents in chunk order
TERMS_FILE = "terms.json"  # {"fingerprint", "vocabulary", "df"}
POSTER_TERMS = "poster_terms.npy"  # int32 term ids, poster after poster
POSTER_TERMS_AT = "poster_terms_at.npy"  # int64 offsets into it, one per poster plus one
TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # what llama-index's BM25Retriever used: rankings unchanged


def bm25_text(board: int, title: str, text: str) -> str:
    """What BM25 reads of a chunk: the board and title join its text."""
    return f"board: {board}\ntitle: {title}\n\n{text}"


def bm25_tokens(texts: list[str], ids: bool) -> Any:
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=snowball_stemmer(),
                          token_pattern=TOKEN_PATTERN, return_ids=ids, show_progress=False)


@cache
def _term_function() -> tuple[Callable[[str], set[str]], str]:
    """The answerer's term sets (assistant.ask.term_set) and a fingerprint of the code that
    makes them: saved term sets are used only while that code is unchanged."""
    from assistant import ask, text

    try:
        source = "".join(inspect.getsource(f) for f in (ask.term_set, text.stem, text.fold))
    except (OSError, TypeError):  # no source: never trust saved terms
        return ask.term_set, ""
    source += "\n".join(sorted(text.STOPWORDS))
    return ask.term_set, hashlib.sha256(source.encode()).hexdigest()[:16]


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


@dataclass
class SavedIndex:
    """What a query needs besides the poster table, in chunk order."""

    chunk_vectors: np.ndarray
    chunk_rows: np.ndarray
    poster_vectors: np.ndarray
    bm25: Any
    fingerprint: str = ""
    vocabulary: list[str] | None = None
    df: np.ndarray | None = None
    poster_terms: np.ndarray | None = None
    poster_terms_at: np.ndarray | None = None

    @classmethod
    def build(cls, chunks: Iterable[tuple[str, list[float], str, dict]],
              posters: list[Poster]) -> SavedIndex:
        """From every chunk (id, vector, text, metadata) of a generation and its poster table."""
        import bm25s

        row = {p.key: i for i, p in enumerate(posters)}
        vectors, rows, texts = [], [], []
        for node_id, vector, text, meta in chunks:
            at = row.get(PosterKey.of_node(node_id))
            if at is None:  # a chunk of a poster no longer in the table
                continue
            vectors.append(np.asarray(vector, dtype=np.float32))
            rows.append(at)
            texts.append(bm25_text(meta["board"], meta["title"], text))
        if not texts:
            raise st.StoreError("the store holds no posters; " + st.REBUILD_HINT)
        chunk_vectors = _unit_rows(np.vstack(vectors))
        del vectors
        chunk_rows = np.asarray(rows, dtype=np.int32)
        sums = np.zeros((len(posters), chunk_vectors.shape[1]), dtype=np.float64)
        np.add.at(sums, chunk_rows, chunk_vectors)
        bm25 = bm25s.BM25()
        bm25.index(bm25_tokens(texts, ids=True), show_progress=False)
        # Kept in float64 for the session map computed next; saved as float32.
        sums /= np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        saved = cls(chunk_vectors, chunk_rows, sums, bm25)
        saved.add_terms(posters)
        return saved

    def add_terms(self, posters: list[Poster]) -> None:
        """Each poster's term set and the document frequencies, as the answerer counts them."""
        term_set, self.fingerprint = _term_function()
        ids: dict[str, int] = {}
        flat: list[int] = []
        at = [0]
        for poster in posters:
            flat.extend(sorted(ids.setdefault(t, len(ids)) for t in term_set(poster.text)))
            at.append(len(flat))
        self.vocabulary = list(ids)
        self.poster_terms = np.asarray(flat, dtype=np.int32)
        self.poster_terms_at = np.asarray(at, dtype=np.int64)
        self.df = np.bincount(self.poster_terms, minlength=len(ids)).astype(np.int32)

    def save(self, generation: Path) -> None:
        """Written beside the generation's other files, then moved into place whole."""
        tmp = generation / f".{SAVED_INDEX}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        for name, array in ((CHUNK_VECTORS, self.chunk_vectors), (CHUNK_ROWS, self.chunk_rows),
                            (POSTER_VECTORS, self.poster_vectors.astype(np.float32)),
                            (POSTER_TERMS, self.poster_terms),
                            (POSTER_TERMS_AT, self.poster_terms_at)):
            np.save(tmp / name, array)
        self.bm25.save(str(tmp / BM25_DIR), show_progress=False)
        (tmp / TERMS_FILE).write_text(json.dumps({
            "fingerprint": self.fingerprint, "vocabulary": self.vocabulary,
            "df": self.df.tolist()}, ensure_ascii=False), encoding="utf-8")
        for path in tmp.rglob("*"):
            if path.is_file():
                with path.open("rb") as handle:
                    os.fsync(handle.fileno())
        final = generation / SAVED_INDEX
        shutil.rmtree(final, ignore_errors=True)  # a seeded copy of the live generation's
        os.replace(tmp, final)

    @classmethod
    def load(cls, generation: Path, posters: int) -> SavedIndex:
        """Memory-mapped; a damaged or mismatched index is a StoreError with the fix."""
        import bm25s

        folder = generation / SAVED_INDEX
        try:
            arrays = {name: np.load(folder / name, mmap_mode="r") for name in (
                CHUNK_VECTORS, CHUNK_ROWS, POSTER_VECTORS, POSTER_TERMS, POSTER_TERMS_AT)}
            bm25 = bm25s.BM25.load(str(folder / BM25_DIR), mmap=True, show_progress=False)
            terms = json.loads((folder / TERMS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, EOFError) as err:
            raise st.StoreError(f"{folder}: the saved index cannot be read "
                                f"({type(err).__name__}); {st.REBUILD_HINT}") from None
        saved = cls(arrays[CHUNK_VECTORS], arrays[CHUNK_ROWS], arrays[POSTER_VECTORS], bm25,
                    terms.get("fingerprint", ""), terms.get("vocabulary"),
                    np.asarray(terms.get("df", []), dtype=np.int32), arrays[POSTER_TERMS],
                    arrays[POSTER_TERMS_AT])
        saved.check(folder, posters)
        return saved

    def check(self, where: Path, posters: int) -> None:
        """The parts agree with each other and with the poster table; a vector finds itself."""
        chunks = len(self.chunk_rows)
        fits = (self.chunk_vectors.ndim == 2 and len(self.chunk_vectors) == chunks > 0
                and self.poster_vectors.shape == (posters, self.chunk_vectors.shape[1])
                and int(self.bm25.scores["num_docs"]) == chunks
                and len(self.poster_terms_at) == posters + 1
                and int(self.chunk_rows.min()) >= 0 and int(self.chunk_rows.max()) < posters)
        if not fits or float(self.chunk_vectors[0] @ self.chunk_vectors[0]) < 0.99:
            raise st.StoreError(f"{where}: the saved index does not match the poster table "
                                f"(damaged?); {st.REBUILD_HINT}")


def _close(lease: st.ReadLease, clients: list[Any]) -> None:
    for client in clients:
        client.close()
    lease.release()


class PosterIndex:
    """Everything a question needs from the store, opened once and shared by every turn."""

    def __init__(self, settings: Settings, embedder: Any) -> None:
        from assistant.embedding import model_identity

        leased = st.lease_live_generation(settings.store)
        if leased is None:
            raise st.StoreError(f"{settings.store}: no store yet; run `posters ingest`")
        generation, lease = leased
        self._clients: list[Any] = []
        # Held as long as this index lives: an ingest publishing meanwhile leaves it on disk.
        self._closer = weakref.finalize(self, _close, lease, self._clients)
        self.generation = generation.name
        self.manifest = st.Manifest.from_file(generation / "manifest.json")
        st.check_model(self.manifest, model_identity(settings), settings.store)
        self.settings = settings
        self.embedder = embedder
        self.cards: dict[PosterKey, Poster] = {
            p.key: p for p in with_refs(st.read_posters(generation))}
        # By citation ref: the board, or "S3 #812" when sessions share it (assistant.citations)
        self.by_board: dict[Ref, Poster] = {p.ref: p for p in self.cards.values()}
        self._on_board: dict[int, list[Poster]] = {}
        for card in self.cards.values():
            self._on_board.setdefault(card.board, []).append(card)
        self._generation = generation
        self._keys = list(self.cards)
        self._row = {key: i for i, key in enumerate(self._keys)}
        self._server = st.chroma_server(settings)
        self._lock = threading.Lock()
        self._masks: dict[PosterFilter, np.ndarray] = {}
        if (generation / SAVED_INDEX).exists():
            self._saved = SavedIndex.load(generation, len(self._keys))
        else:  # a store written before the saved index: derived once from Chroma, in memory
            self._saved = SavedIndex.build(self._chunks(), list(self.cards.values()))
        if not self.cards:
            raise st.StoreError(f"{generation}: the store holds no posters; {st.REBUILD_HINT}")
        if self._server is not None:
            self._self_check()

    def posters_on(self, ref: Ref) -> list[Poster]:
        """The posters a ref or a board number names: one, or for a plain number that
        several sessions reuse ("what is at #812?"), each session's."""
        if ref in self.by_board:
            return [self.by_board[ref]]
        return list(self._on_board.get(ref, [])) if isinstance(ref, int) else []

    def close(self) -> None:
        """Let go of the database and the read lease (also done when the index is freed)."""
        self._closer()

    @cached_property
    def _collection(self) -> Any:
        """The generation's Chroma collection, opened only when something needs it (the
        dense search of a server store, an old store's first open, tests)."""
        try:
            client, collection = st.open_generation(self.settings, self._generation)
        except st.StoreError:
            raise
        except Exception as err:  # chromadb raises many types for a damaged database
            raise st.StoreError(f"{self._generation}: the Chroma database cannot be read "
                                f"({type(err).__name__}); {st.REBUILD_HINT}") from None
        self._clients.append(client)
        return collection

    def _chunks(self) -> Iterable[tuple[str, list[float], str, dict]]:
        try:
            for got in st.pages(self._collection, ["embeddings", "documents", "metadatas"]):
                yield from zip(got["ids"], got["embeddings"], got["documents"],
                               got["metadatas"], strict=True)
        except st.StoreError:
            raise
        except Exception as err:
            raise st.StoreError(f"{self._generation}: the Chroma database cannot be read "
                                f"({type(err).__name__}); {st.REBUILD_HINT}") from None

    def _self_check(self) -> None:
        """A stored vector must find itself on the server: catches a missing or damaged
        collection at open rather than at the first question."""
        vector = self._saved.chunk_vectors[0]
        try:
            found = self._collection.query(query_embeddings=[vector.tolist()], n_results=1,
                                           include=["distances"])
        except Exception as err:
            raise st.StoreError(f"{self._generation}: the Chroma server's collection cannot "
                                f"be read ({type(err).__name__}); {st.REBUILD_HINT}") from None
        # Another chunk may hold the very same vector (a repeated sentence): any exact match
        # shows the index works.
        if not found["ids"][0] or found["distances"][0][0] > 1e-3:
            raise st.StoreError(f"{self._generation}: the store's vector index is damaged; "
                                f"{st.REBUILD_HINT}")

    @cached_property
    def theme_map(self) -> Any:
        """The session map computed at ingest (None for a store built before it existed)."""
        from assistant.themes import ThemeMap

        data = st.read_json(self._generation, st.THEMES_FILE)
        return ThemeMap.from_dict(data) if data else None

    def vectors(self, keys: list[PosterKey]) -> Any:
        """Unit poster vectors (mean of chunk vectors), in the order of `keys`."""
        rows = [self._row[k] for k in keys]
        return np.asarray(self._saved.poster_vectors[rows], dtype=np.float64)

    # --- term sets, for the answerer's coverage of a question's terms -------------------

    def poster_terms(self, key: PosterKey) -> frozenset[str]:
        """The poster's term set (`assistant.ask.term_set` of its title and abstract), saved at
        ingest; recomputed (once per poster) when the code that makes terms has changed."""
        saved = self._saved
        if self._terms_current:
            row = self._row[key]
            ids = saved.poster_terms[saved.poster_terms_at[row]:saved.poster_terms_at[row + 1]]
            vocabulary = saved.vocabulary
            return frozenset(vocabulary[i] for i in ids.tolist())
        return self._computed_terms(key)

    @cached_property
    def document_frequencies(self) -> dict[str, int]:
        """How many posters carry each term (the IDF of coverage)."""
        if self._terms_current:
            return dict(zip(self._saved.vocabulary, self._saved.df.tolist(), strict=True))
        counts: dict[str, int] = {}
        for key in self._keys:
            for term in self._computed_terms(key):
                counts[term] = counts.get(term, 0) + 1
        return counts

    @cached_property
    def _terms_current(self) -> bool:
        fingerprint = self._saved.fingerprint
        return bool(fingerprint) and fingerprint == _term_function()[1]

    def _computed_terms(self, key: PosterKey) -> frozenset[str]:
        cache = self.__dict__.setdefault("_term_cache", {})
        if key not in cache:
            cache[key] = frozenset(_term_function()[0](self.cards[key].text))
        return cache[key]

    # --- rankers --------------------------------------------------------------------------

    def _chunk_mask(self, where: PosterFilter) -> np.ndarray | None:
        """Which chunks the filter admits (None: all). The last few masks are kept: a
        conversation asks many questions under one filter, and at 100k posters a mask
        costs tens of milliseconds."""
        if where.is_empty():
            return None
        with self._lock:
            mask = self._masks.pop(where, None)
        if mask is None:
            admitted = np.fromiter((where.admits(self.cards[k]) for k in self._keys),
                                   dtype=bool, count=len(self._keys))
            mask = admitted[self._saved.chunk_rows]
        with self._lock:
            self._masks[where] = mask
            while len(self._masks) > 16:
                del self._masks[next(iter(self._masks))]
        return mask

    def _top_chunks(self, vector: np.ndarray, where: PosterFilter, pool: int
                    ) -> list[tuple[PosterKey, float]]:
        """The `pool` chunks nearest to a unit vector among those the filter admits: (the
        chunk's poster, cosine). Exact search over the saved array, or the Chroma server."""
        if where.admits_none():
            return []
        if self._server is not None:
            with self._lock:
                collection = self._collection
            found = collection.query(query_embeddings=[vector.tolist()], n_results=pool,
                                     where=where.chroma_where(), include=["distances"])
            return [(PosterKey.of_node(node_id), 1.0 - distance) for node_id, distance in zip(
                found["ids"][0], found["distances"][0], strict=True)]
        scores = self._saved.chunk_vectors @ vector
        mask = self._chunk_mask(where)
        admitted = len(scores) if mask is None else int(mask.sum())
        if admitted == 0:
            return []
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        pool = min(pool, admitted)
        # The pool best in one linear pass (no sort of the whole array), then sorted.
        candidates = np.argpartition(scores, len(scores) - pool)[len(scores) - pool:]
        candidates = candidates[np.argsort(-scores[candidates], kind="stable")]
        return [(self._keys[row], score) for row, score in zip(
            self._saved.chunk_rows[candidates].tolist(), scores[candidates].tolist(),
            strict=True)]

    def _query_vector(self, question: str) -> np.ndarray:
        vector = np.asarray(self.embedder.get_query_embedding(question), dtype=np.float32)
        return vector / max(float(np.linalg.norm(vector)), 1e-12)

    def nearest(self, key: PosterKey, where: PosterFilter = ANY_POSTER, limit: int = 12) -> Ranking:
        """Posters nearest to one poster's stored vector (the mean of its chunks), cosine."""
        vector = np.asarray(self._saved.poster_vectors[self._row[key]], dtype=np.float32)
        hits = self._top_chunks(vector, where, min(_POOL, max(limit * 3, 10)))
        return best_per_poster(hits)[:limit]

    def dense(self, question: str, k: int, where: PosterFilter = ANY_POSTER) -> Ranking:
        hits = self._top_chunks(self._query_vector(question), where, _POOL)
        return best_per_poster(hits)[:k]

    @cached_property
    def _bm25_stemmer(self) -> Any:
        return snowball_stemmer()

    def bm25(self, question: str, k: int, where: PosterFilter = ANY_POSTER) -> Ranking:
        import bm25s

        bm25 = self._saved.bm25
        chunks = int(bm25.scores["num_docs"])
        mask = self._chunk_mask(where)  # score only admitted chunks: none lost to the pool cut
        admitted = chunks if mask is None else int(mask.sum())
        if admitted == 0:
            return []
        tokens = bm25s.tokenize(question, stemmer=self._bm25_stemmer,
                                token_pattern=TOKEN_PATTERN, return_ids=False,
                                show_progress=False)
        found, scores = bm25.retrieve(
            tokens, k=min(_POOL, admitted), show_progress=False, n_threads=0,
            weight_mask=None if mask is None else mask.astype(np.float32))
        rows = self._saved.chunk_rows[found[0]].tolist()
        # Masked-out chunks score 0, so every hit left is one the filter admits.
        return best_per_poster((self._keys[row], score) for row, score in zip(
            rows, scores[0].tolist(), strict=True) if score > 0)[:k]
