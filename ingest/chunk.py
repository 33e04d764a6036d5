"""Turn Poster records into llama-index nodes with flat metadata and stable ids."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import TextNode

from assistant.poster import Poster

# Only board and title join the abstract in what is embedded; the rest is noise to the model.
EMBED_EXCLUDED = ["session", "kind", "award", "authors", "chunk"]
LLM_EXCLUDED = ["session", "chunk"]


def poster_hash(poster: Poster) -> str:
    """Content hash: a changed title, author list, kind, award or abstract re-embeds the poster."""
    parts = [poster.kind, poster.award, poster.title, poster.author_line, poster.abstract]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def poster_metadata(poster: Poster, chunk: int) -> dict[str, str | int]:
    """A chunk's Chroma metadata: the poster's record without the abstract, and the chunk."""
    record = poster.as_json()
    del record["abstract"]
    return {**record, "chunk": chunk}


def make_splitter(chunk_size: int, chunk_overlap: int,
                  tokenizer: Callable[[str], list] | None) -> SentenceSplitter:
    return SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap,
                            tokenizer=tokenizer, include_prev_next_rel=False)


def poster_nodes(poster: Poster, splitter: SentenceSplitter) -> list[TextNode]:
    """The poster's chunks; ids `{session}:{board}:{chunk}` so re-ingesting upserts."""
    probe = poster_metadata(poster, 0)
    metadata_text = "\n".join(f"{k}: {v}" for k, v in probe.items() if k not in EMBED_EXCLUDED)
    texts = _distinct(splitter.split_text_metadata_aware(poster.abstract, metadata_text))
    nodes = []
    for i, text in enumerate(texts):
        node = TextNode(
            id_=f"{poster.key}:{i}", text=text, metadata=poster_metadata(poster, i),
            excluded_embed_metadata_keys=EMBED_EXCLUDED, excluded_llm_metadata_keys=LLM_EXCLUDED,
        )
        nodes.append(node)
    return nodes


def _distinct(texts: list[str]) -> list[str]:
    """Each chunk text once: an abstract that repeats itself would otherwise fill the index
    with copies of one vector that crowd every other poster out of the results."""
    seen: set[str] = set()
    kept = []
    for text in texts:
        folded = " ".join(text.lower().split())
        if folded not in seen:
            seen.add(folded)
            kept.append(text)
    return kept


def chunk_posters(posters: Iterable[Poster], splitter: SentenceSplitter) -> list[TextNode]:
    return [node for poster in posters for node in poster_nodes(poster, splitter)]
