"""All settings in one place: environment variables `POSTERS_*`, overridable by CLI flags."""

from __future__ import annotations

import os
from pathlib import Path

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
    embed_batch_size: int = Field(default=32, ge=1, description="Texts per embedding batch.")
    chunk_size: int = Field(
        default=384, ge=64, le=512,
        description="Chunk size in model tokens; most abstracts stay one chunk.")
    chunk_overlap: int = Field(default=48, ge=0, description="Tokens shared by adjacent chunks.")
    top_k: int = Field(default=5, ge=1, le=50, description="Posters an answer draws on at most.")
    min_relevance: float = Field(
        default=0.30, ge=0.0, le=1.0,
        description="Cosine similarity below which a poster is not relevant enough to cite.")
    collection: str = Field(default="posters", description="Chroma collection name.")
