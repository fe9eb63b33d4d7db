"""Settings read once at the entry point (env prefix MOCKINTERVIEW_, optional .env file)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.limits import DEFAULT_LIMITS, MB, Limits


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
    minilm_runtime: Literal["onnx", "torch"] = Field(
        default="onnx", description="onnx: int8 MiniLM on ONNX Runtime (no PyTorch); torch: the PyTorch model "
        "(needs the torch extra)")
    embed_threads: int = Field(default=0, ge=0, le=256, description="ONNX Runtime threads (0: one per core)")
    embed_precision: Literal["auto", "fp32", "bf16"] = Field(
        default="auto", description="PyTorch MiniLM arithmetic: auto = bfloat16 on CPUs with AMX, else float32")
    chunk_tokens: int = Field(default=300, ge=50, le=2000)
    chunk_overlap: int = Field(default=40, ge=0, le=500)

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

    # Bounded work and fair sharing: every refusal names its limit and the variable that changes it.
    max_answer_chars: int = Field(default=DEFAULT_LIMITS.answer_chars, ge=1, description="longest answer graded")
    max_answer_tokens: int = Field(default=DEFAULT_LIMITS.answer_tokens, ge=1, description="longest answer, in tokens")
    max_file_mb: float = Field(default=DEFAULT_LIMITS.file_bytes / MB, gt=0, description="largest bank file ingested")
    max_questions_per_file: int = Field(default=DEFAULT_LIMITS.questions_per_file, ge=1, description="per bank file")
    max_chunks_per_question: int = Field(default=DEFAULT_LIMITS.chunks_per_question, ge=1,
                                         description="a question whose reference makes more is skipped at ingest")
    max_batch_lines: int = Field(default=DEFAULT_LIMITS.batch_lines, ge=1, description="answers per batch or bulk file")
    max_upload_mb: float = Field(default=DEFAULT_LIMITS.upload_bytes / MB, gt=0, description="largest file uploaded "
                                 "in the app (Streamlit's server.maxUploadSize caps it too)")
    job_workers: int = Field(default=2, ge=1, le=32, description="app jobs (bulk grading, ingest, variants) run "
                             "at once")
    job_queue: int = Field(default=16, ge=0, le=1000, description="app jobs waiting for a worker; more are refused")

    def limits(self) -> Limits:
        """The limits in force, for the services."""
        return Limits(answer_chars=self.max_answer_chars, answer_tokens=self.max_answer_tokens,
                      file_bytes=int(self.max_file_mb * MB), questions_per_file=self.max_questions_per_file,
                      chunks_per_question=self.max_chunks_per_question, batch_lines=self.max_batch_lines,
                      upload_bytes=int(self.max_upload_mb * MB))

    def resolved_llm(self) -> str:
        """The LLM backend in force: `auto` means OpenAI when a key is set, a compatible server when a URL is set."""
        if self.llm != "auto":
            return self.llm
        if self.llm_base_url:
            return "openai-compatible"
        return "openai" if self.llm_api_key else "none"
