"""Settings read once at the entry point (env prefix MOCKINTERVIEW_, optional .env file)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the product; build it once and pass it down."""

    model_config = SettingsConfigDict(env_prefix="MOCKINTERVIEW_", env_file=".env", extra="ignore")

    seeds_dir: Path = Path("seeds")
    variants_dir: Path = Field(default=Path("seeds/variants"), description="Where approved question variants are saved")
    store: Path = Field(default=Path("vectorstore"), description="Chroma persist directory")
    chroma_url: str | None = Field(default=None, description="Chroma server URL; when set, used instead of `store`")
    collection: str = "mockinterview"
    database_url: str = "sqlite:///data/mockinterview.db"

    embedder: Literal["minilm", "openai"] = "minilm"
    openai_embedding_model: str = "text-embedding-3-small"
    chunk_tokens: int = Field(default=300, ge=50, le=2000)
    chunk_overlap: int = Field(default=40, ge=0, le=500)
    max_file_mb: float = 5.0

    llm: Literal["auto", "none", "openai", "openai-compatible"] = "auto"
    llm_model: str = "gpt-4o-mini"
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("MOCKINTERVIEW_LLM_API_KEY", "OPENAI_API_KEY")
    )
    llm_timeout: float = 60.0
    llm_max_retries: int = 2

    def resolved_llm(self) -> str:
        """The LLM backend in force: `auto` means OpenAI when a key is set, a compatible server when a URL is set."""
        if self.llm != "auto":
            return self.llm
        if self.llm_base_url:
            return "openai-compatible"
        return "openai" if self.llm_api_key else "none"
