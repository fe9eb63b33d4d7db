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
    auth: Literal["none", "accounts", "oidc"] = Field(
        default="none", description="none: one local profile, no sign-in; accounts: built-in accounts with "
        "passwords; oidc: single sign-on through Streamlit's st.login (built-in accounts still sign in)")
    oidc_provider: str | None = Field(default=None, description="named provider of .streamlit/secrets.toml "
                                      "([auth.NAME]); unset: the [auth] section itself")
    public_url: str | None = Field(default=None, description="the app's address, to print invitation links")

    embedder: Literal["minilm", "openai"] = "minilm"
    openai_embedding_model: str = "text-embedding-3-small"
    embed_precision: Literal["auto", "fp32", "bf16"] = Field(
        default="auto", description="MiniLM arithmetic: auto = bfloat16 on CPUs with AMX, else float32")
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
    llm_max_retries: int = Field(default=2, ge=0, le=10)
    llm_backoff_s: float = Field(default=0.5, ge=0, description="first retry delay; doubles on each retry")
    llm_max_wait_s: float = Field(default=20.0, ge=0, description="cap on any one wait, Retry-After included")
    llm_context_tokens: int = Field(default=8192, ge=512, description="the model's context window")
    llm_max_output_tokens: int = Field(default=800, ge=16, description="tokens reserved for the reply")
    llm_structured: Literal["auto", "json_schema", "json_object", "text"] = "auto"
    llm_input_cost_per_mtok: float | None = Field(default=None, ge=0, description="USD per million prompt tokens")
    llm_output_cost_per_mtok: float | None = Field(default=None, ge=0, description="USD per million reply tokens")

    def resolved_llm(self) -> str:
        """The LLM backend in force: `auto` means OpenAI when a key is set, a compatible server when a URL is set."""
        if self.llm != "auto":
            return self.llm
        if self.llm_base_url:
            return "openai-compatible"
        return "openai" if self.llm_api_key else "none"
