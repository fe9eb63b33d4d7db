"""Builds the outside things (store, embedder, chat model, services) from settings, once, at an entry point."""

from __future__ import annotations

from bot import jobs
from bot.accounts.service import AccountService
from bot.grading.grounded import GroundedGrader
from bot.grading.llm_judge import LLMJudge
from bot.grading.service import GradingService
from bot.interview.interviewer import Interviewer
from bot.interview.phraser import LLMPhraser, TemplatePhraser
from bot.llm.factory import build_chat_model, build_client
from bot.retrieval.embedder import CachedEmbedder, Embedder, LazyEmbedder, OnnxMiniLMEmbedder, build_embedder
from bot.retrieval.store import ChromaStore
from bot.settings import Settings
from bot.storage.accounts import AccountRepository
from bot.storage.repository import SessionRepository
from bot.variants.service import VariantService


def embedder_identity(settings: Settings) -> tuple[str, int]:
    """Name and dimension of the configured embedder, known without loading the model."""
    if settings.embedder == "openai":
        return f"openai:{settings.openai_embedding_model}", 1536
    return OnnxMiniLMEmbedder.name, OnnxMiniLMEmbedder.dim


def open_store(settings: Settings, embedder: Embedder | None = None, reset: bool = False) -> ChromaStore:
    """The configured store: a Chroma server when `chroma_url` is set, else the persistent directory."""
    name, dim = (embedder.name, embedder.dim) if embedder else embedder_identity(settings)
    return ChromaStore.open(path=settings.store, url=settings.chroma_url, name=settings.collection,
                            embedder_name=name, dim=dim, reset=reset)



def lazy_embedder(settings: Settings) -> LazyEmbedder:
    """The configured embedder, loading its model only when something is first embedded."""
    name, dim = embedder_identity(settings)
    return LazyEmbedder(name, dim, lambda: build_embedder(settings))


def grading_service(settings: Settings, model: Embedder | None = None) -> GradingService:
    """The grading service with the configured store, embedder (or `model`, already built) and optional judge."""
    embedder = CachedEmbedder(model or lazy_embedder(settings), before_embed=jobs.yield_to_turns)  # jobs defer
    client = build_client(settings)
    store = open_store(settings, embedder)
    return GradingService(store=store, embedder=embedder, grounded=GroundedGrader(embedder),
                          judge=LLMJudge(client) if client else None, limits=settings.limits(), memo=store)


def interviewer_for(settings: Settings) -> Interviewer:
    """The interviewer with storage, grading and the phraser the configured engine calls for."""
    client = build_client(settings)
    return Interviewer(repo=SessionRepository(settings.database_url), grading=grading_service(settings),
                       phraser=LLMPhraser(client) if client else TemplatePhraser())


def variant_service(settings: Settings, grading: GradingService | None = None) -> VariantService:
    """Question variants over the configured index (and LLM, when one is configured)."""
    return VariantService(grading=grading or grading_service(settings), variants_dir=settings.variants_dir,
                          model=build_chat_model(settings), chunk_tokens=settings.chunk_tokens,
                          overlap=settings.chunk_overlap)


def account_service(repo: SessionRepository) -> AccountService:
    """Accounts, cohorts and invitations in the sessions' database."""
    return AccountService(AccountRepository(repo.engine))
