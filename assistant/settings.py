"""All settings in one place: environment variables `POSTERS_*`, overridable by CLI flags."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Each of these stops a download or a call home measured on this machine; set before the
# libraries that read them are imported.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ORT_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
}

DEFAULT_EMBED_MODEL = "minilm-int8"
BUNDLED_SESSION = Path(__file__).resolve().parent.parent / "ingest" / "data" / (
    "neurips2023_poster_session2.txt")


def apply_offline_env() -> None:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


def default_store_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("posters", appauthor=False)) / "store"


class Settings(BaseSettings):
    """Settings of the poster assistant. Every field reads `POSTERS_<NAME>` from the environment."""

    model_config = SettingsConfigDict(env_prefix="POSTERS_", extra="ignore")

    store: Path = Field(
        default_factory=default_store_dir,
        description="Directory of the Chroma store and its manifest (default: per-user data dir).",
    )
    embed_model: str = Field(
        default=DEFAULT_EMBED_MODEL,
        description="Embedding model: 'minilm-int8' (bundled all-MiniLM-L6-v2, ONNX, no torch) or "
        "a sentence-transformers / Hugging Face model name or path (needs `posters[hf]` and, "
        "for a hub name, network).",
    )
    embed_url: str | None = Field(
        default=None,
        description="Base URL of an OpenAI-compatible embeddings server (e.g. "
        "http://gpu-box:8080/v1); `embed_model` is then the model name sent to it, and the "
        "store records it apart from a local model of the same name.")
    embed_api_key: str | None = Field(
        default=None, description="Bearer key for that server, when it needs one.")
    embed_in_flight: int = Field(
        default=4, ge=1, le=64, description="Embedding requests sent to that server at once.")
    embed_retries: int = Field(
        default=5, ge=0, le=20,
        description="Retries of one embedding request (network errors, timeouts, 429, 5xx), "
        "with exponential backoff.")
    embed_timeout: float = Field(
        default=60.0, gt=0, description="Seconds one embedding request may take.")
    embed_batch_size: int = Field(
        default=16, ge=1,
        description="Texts per embedding batch (16 keeps an ingest near 1.2 GB of memory).")
    chunk_size: int = Field(
        default=384, ge=64, le=512,
        description="Chunk size in model tokens; most abstracts stay one chunk.")
    chunk_overlap: int = Field(default=48, ge=0, description="Tokens shared by adjacent chunks.")
    top_k: int = Field(
        default=12, ge=1, le=50,
        description="Posters an answer cites at most: all that clear the relevance bar, up to "
        "this many.")
    min_relevance: float = Field(
        default=0.25, ge=0.0, le=1.0,
        description="Best cosine similarity below which the session does not cover a question.")
    sure_relevance: float = Field(
        default=0.55, ge=0.0, le=1.0,
        description="Best cosine similarity at or above which a question is answered.")
    min_bm25: float = Field(
        default=6.4, ge=0.0,
        description="Between the two: answer when the best BM25 score reaches this ...")
    min_coverage: float = Field(
        default=0.6, ge=0.0, le=1.0,
        description="... or when one of the top 5 posters carries this share of the question's "
        "IDF-weighted terms.")
    clear_gap: float = Field(
        default=0.1, ge=0.0, le=1.0,
        description="... or when the best poster's cosine is this far above the second's (one "
        "poster clearly answers a described lookup) ...")
    clear_cosine: float = Field(
        default=0.45, ge=0.0, le=1.0,
        description="... and at least this cosine.")
    relative_bar: float = Field(
        default=0.9, ge=0.0, le=1.0,
        description="Cite a poster whose cosine is at least this fraction of the best one's ...")
    cite_floor: float = Field(
        default=0.3, ge=0.0, le=1.0, description="... and at least this cosine ...")
    relative_bm25_bar: float = Field(
        default=0.5, ge=0.0, le=1.0,
        description="... or whose BM25 score is at least this fraction of the best one's ...")
    lexical_cite_floor: float = Field(
        default=0.2, ge=0.0, le=1.0, description="... with a cosine of at least this.")
    summary_relative_bar: float = Field(
        default=0.8, ge=0.0, le=1.0,
        description="Similar posters: list one whose cosine to the poster is at least this "
        "fraction of the nearest one's.")
    collection: str = Field(
        default="posters",
        description="Chroma collection name (with a Chroma server: the prefix of each "
        "generation's collection).")
    chroma_host: str | None = Field(
        default=None,
        description="Host of a Chroma server (`chroma run`) holding the vectors instead of the "
        "embedded store; the store directory keeps the manifest and poster table.")
    chroma_port: int = Field(default=8000, ge=1, le=65535, description="Port of that server.")
    backend: Literal["auto", "extractive", "openai"] = Field(
        default="auto",
        description="Who writes answers: 'extractive' (no LLM), 'openai' (any OpenAI-compatible "
        "server), or 'auto': openai when OPENAI_API_KEY or OPENAI_BASE_URL is set.")
    llm_model: str = Field(
        default="gpt-4o-mini",
        description="Model name sent to the OpenAI-compatible server (e.g. llama3.2 for Ollama).")
    llm_timeout: float = Field(
        default=30.0, gt=0,
        description="Seconds one LLM call may take in all (waiting, retries and streaming the "
        "reply) before it is abandoned for the extractive answer.")
    llm_max_retries: int = Field(
        default=2, ge=0, le=10,
        description="Retries, with exponential backoff, on 429, 5xx and connection errors.")
    llm_temperature: float = Field(default=0.1, ge=0.0, le=2.0, description="Sampling temperature.")
    llm_planner: bool = Field(
        default=False,
        description="With an LLM configured, ask it (JSON schema output) what each new "
        "question asks, its intent and topic; the rules still read boards, ranges, kinds, "
        "authors and titles, and decide alone when the model's reply is invalid or fails.")
    llm_judge: bool = Field(
        default=False,
        description="With an LLM configured, ask it (one call, JSON schema output) which of "
        "the posters the offline evidence kept answer a topic question; none: the answer says "
        "the session does not cover it and lists them as related. An invalid reply or a failed "
        "call leaves the offline evidence to decide.")
    llm_max_tokens: int = Field(default=600, ge=16, description="Longest answer, in tokens.")

    def resolved_backend(self) -> str:
        if self.backend != "auto":
            return self.backend
        has_llm = os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL")
        return "openai" if has_llm else "extractive"
