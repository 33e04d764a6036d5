"""The opened store: poster cards, and the dense, BM25 and hybrid rankers over it."""

from __future__ import annotations

import math
import threading
import weakref
from functools import cached_property
from typing import Any

from assistant import store as st
from assistant.retrieve import ANY_POSTER, PosterFilter, Ranking, best_per_poster
from assistant.settings import Settings

_POOL = 40  # chunks each ranker contributes before fusion and filtering


def _close(lease: st.ReadLease, clients: list[Any]) -> None:
    for client in clients:
        client.close()
    lease.release()


class PosterIndex:
    """Everything a question needs from the store, opened once and shared by every turn."""

    def __init__(self, settings: Settings, embedder: Any) -> None:
        leased = st.lease_live_generation(settings.store)
        if leased is None:
            raise st.StoreError(f"{settings.store}: no store yet; run `posters ingest`")
        generation, lease = leased
        clients: list[Any] = []
        # Held as long as this index lives: an ingest publishing meanwhile leaves it on disk.
        self._closer = weakref.finalize(self, _close, lease, clients)
        self.generation = generation.name
        self.manifest = st.Manifest.from_file(generation / "manifest.json")
        st.check_model(self.manifest, settings.embed_model, settings.store)
        self.settings = settings
        self.embedder = embedder
        self.cards: dict[str, dict] = {f"{r['session']}:{r['board']}": r
                                       for r in st.read_posters(generation)}
        self.by_board: dict[int, dict] = {r["board"]: r for r in self.cards.values()}
        self._generation = generation
        try:
            client, self._collection = st.open_generation(settings, generation)
            clients.append(client)
            self._self_check()
        except st.StoreError:
            raise
        except Exception as err:  # chromadb raises many types for a damaged database
            raise st.StoreError(f"{generation}: the Chroma database cannot be read "
                                f"({type(err).__name__}); {st.REBUILD_HINT}") from None
        self._bm25_lock = threading.Lock()

    def close(self) -> None:
        """Let go of the database and the read lease (also done when the index is freed)."""
        self._closer()

    def _self_check(self) -> None:
        """A stored vector must find itself: catches a damaged vector index or database."""
        sample = self._collection.get(limit=1, include=["embeddings"])
        if not sample["ids"] or len(self.cards) == 0:
            raise st.StoreError(f"{self._generation}: the store holds no posters; "
                                f"{st.REBUILD_HINT}")
        found = self._collection.query(query_embeddings=[sample["embeddings"][0]], n_results=1,
                                       include=["distances"])
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

    def vectors(self, keys: list[str]) -> Any:
        """Unit poster vectors (mean of chunk vectors), in the order of `keys`."""
        where = {"board": {"$in": [self.cards[k]["board"] for k in keys]}}
        return st.poster_vectors(self._collection, keys, where)

    def nearest(self, key: str, where: PosterFilter = ANY_POSTER, limit: int = 12) -> Ranking:
        """Posters nearest to one poster's stored vector (the mean of its chunks), cosine."""
        vector = self.vectors([key])[0]
        found = self._collection.query(
            query_embeddings=[vector.tolist()], n_results=min(_POOL, max(limit * 3, 10)),
            where=where.chroma_where(), include=["distances"])
        return best_per_poster((node_id, 1.0 - distance) for node_id, distance in zip(
            found["ids"][0], found["distances"][0], strict=True))[:limit]

    @cached_property
    def _vector_index(self) -> Any:
        from llama_index.core import VectorStoreIndex
        from llama_index.vector_stores.chroma import ChromaVectorStore

        store = ChromaVectorStore(chroma_collection=self._collection)
        return VectorStoreIndex.from_vector_store(store, embed_model=self.embedder)

    @cached_property
    def _bm25(self) -> Any:
        """BM25 over the same nodes as the vector store (its docstore is empty, so build it)."""
        import json

        from llama_index.core.schema import TextNode
        from llama_index.retrievers.bm25 import BM25Retriever

        # Board and title are all of the metadata that joins the text BM25 reads.
        nodes = [TextNode(id_=node_id, text=text,
                          metadata={"board": meta["board"], "title": meta["title"]})
                 for got in st.pages(self._collection, ["documents", "metadatas"])
                 for node_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"],
                                                strict=True)]
        retriever = BM25Retriever.from_defaults(nodes=nodes,
                                                similarity_top_k=min(_POOL, len(nodes)))
        # Hits are only read for their ids: a copy of every node's text and metadata in the
        # retriever's corpus would double the memory of a large store.
        retriever.corpus = [{"node_id": node.node_id, "_node_type": "TextNode",
                             "_node_content": json.dumps({"id_": node.node_id})}
                            for node in nodes]
        return retriever

    @cached_property
    def _bm25_keys(self) -> list[str]:
        """The poster key of each BM25 document, in corpus order (for filter masks)."""
        return [entry["node_id"].rsplit(":", 1)[0] for entry in self._bm25.corpus]

    def dense(self, question: str, k: int, where: PosterFilter = ANY_POSTER) -> Ranking:
        retriever = self._vector_index.as_retriever(
            similarity_top_k=_POOL, vector_store_kwargs={"where": where.chroma_where()}
            if not where.is_empty() else {})
        hits = retriever.retrieve(question)
        # Chroma's integration reports exp(-distance); cosine distance is 1 - cosine.
        return best_per_poster((h.node.node_id, 1.0 + math.log(h.score)) for h in hits)[:k]

    def bm25(self, question: str, k: int, where: PosterFilter = ANY_POSTER) -> Ranking:
        retriever = self._bm25
        mask = None
        if not where.is_empty():  # score only admitted nodes: none lost to the pool cut
            mask = [int(where.admits(self.cards[key])) for key in self._bm25_keys]
            if not any(mask):
                return []
        with self._bm25_lock:  # bm25s keeps per-call state; Gradio serves turns on threads
            retriever.corpus_weight_mask = mask
            retriever.similarity_top_k = min(_POOL, sum(mask) if mask else len(
                self._bm25_keys))
            try:
                hits = retriever.retrieve(question)
            finally:
                retriever.corpus_weight_mask = None
        # Masked-out nodes score 0, so every hit left is one the filter admits.
        return best_per_poster((h.node.node_id, h.score) for h in hits if h.score > 0)[:k]
