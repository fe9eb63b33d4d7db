"""Grading service: resolves the question, retrieves its reference chunks, runs the grounded grader and the judge."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

import numpy as np

from bot.domain.grade import Grade
from bot.domain.limits import Limits
from bot.domain.models import Question
from bot.grading import language
from bot.grading.evidence import new_word_count
from bot.grading.grounded import GroundedGrader
from bot.grading.llm_judge import LLMJudge, blend, fallback
from bot.grading.reference import GIVEN_SOURCE, Reference, adhoc_question, build_reference
from bot.grading.rubrics import rubric_for
from bot.grading.text import statements
from bot.ingest.splitter import count_tokens
from bot.llm import usage
from bot.llm.structured import StructuredOutputError
from bot.retrieval.embedder import CachedEmbedder, Embedder, VectorMemo
from bot.retrieval.store import VectorStore

MATCH_THRESHOLD = 0.45  # below this cosine, free text is not taken to be a bank question
NEARBY_QUESTIONS = 6  # bank questions compared with an answer for the off-topic check
REFERENCE_CACHE = 512  # references kept built (by question id and reference text, so an edited bank is rebuilt)


class QuestionNotFound(LookupError):
    """Neither an id in the bank nor text close enough to a bank question."""


@dataclass
class GradingService:
    """Everything a grade needs, built once at the entry point."""

    store: VectorStore
    embedder: Embedder
    grounded: GroundedGrader
    judge: LLMJudge | None = None
    limits: Limits = field(default_factory=Limits)
    memo: VectorMemo | None = None  # where bank references' vectors outlive the process (the store)
    _references: dict[tuple[str, str], Reference] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def resolve(self, id_or_text: str, allow_adhoc: bool = False) -> Question:
        """A bank question by id, else the best semantic match for the text; with `allow_adhoc` (a reference of the
        user's own) the text itself is the question and the bank is not searched."""
        key = id_or_text.strip()
        if not key:
            raise QuestionNotFound("the question is empty")
        found = self.store.question(key)
        if found:
            return found
        if allow_adhoc:
            return adhoc_question(key, "")
        matches = self.store.search_questions(self.embedder.embed([key])[0], k=1)
        if matches and matches[0][1] >= MATCH_THRESHOLD:
            return matches[0][0]
        raise QuestionNotFound(f"no bank question matches {key[:80]!r}; pass --reference to grade against your own")

    def reference_for(self, question: Question, reference_text: str | None = None) -> Reference:
        if reference_text:
            adhoc = adhoc_question(question.question, reference_text, question.category)
            return build_reference(adhoc, [], self.grounded.policy, given=True)
        key = (question.id, question.reference_answer)
        found = self._references.get(key)
        if found is None:
            found = build_reference(question, self.store.chunks_of(question.id), self.grounded.policy)
            with self._lock:  # turns and background jobs grade at once
                if len(self._references) >= REFERENCE_CACHE:
                    self._references.pop(next(iter(self._references)))
                self._references[key] = found
        return found

    def forget_references(self) -> None:
        """Drop the built references (they are rebuilt from the store on the next grade)."""
        self._references.clear()

    def warm_up(self) -> None:
        """Load what grades need once per process (the embedding model, the tokenizer, the language identifier;
        about 2 s), so that no answer waits for it."""
        self.embedder.embed(["warm up"])
        count_tokens("warm up")
        language.preload()

    def prepare(self, question: Question) -> None:
        """Embed the question's reference ahead of its answer, so grading the answer only embeds the answer; the
        vectors are kept in the memo, so no later process embeds this reference again."""
        reference = self.reference_for(question)
        with self._remembering(question):
            self.grounded.prepare(reference)

    def _remembering(self, question: Question) -> AbstractContextManager[None]:
        """Keep vectors for a bank question only: a question typed with its own reference is never stored."""
        if self.memo is None or not isinstance(self.embedder, CachedEmbedder) or question.source_file == GIVEN_SOURCE:
            return nullcontext()
        return self.embedder.remembering(self.memo)

    def relatedness(self, reference: Reference, answer: str, texts: list[str]) -> list[float]:
        """Per text, the cosine of the answer's nearest substantive sentence to it, the question's words kept: whether
        the answer talks about that thing at all (not whether it shows it — that is the grade's business)."""
        floor = self.grounded.policy.evidence.new_words_for_zero
        said = [s for s in dict.fromkeys(statements(answer)) if new_word_count(s, reference) > floor]
        if not said or not texts:
            return [0.0] * len(texts)
        vectors = self.embedder.embed([*said, *texts])
        return [float(v) for v in (vectors[len(said):] @ vectors[:len(said)].T).max(axis=1)]

    def _nearby_questions(self, vector: np.ndarray) -> list[tuple[str, float]]:
        return [(q.id, score) for q, score in self.store.search_questions(vector, k=NEARBY_QUESTIONS)]

    def check_answer(self, answer: str, what: str = "the answer") -> None:
        """Raise LimitExceeded when the answer is longer than the limits (in characters or tokens)."""
        self.limits.check_text(answer, count_tokens, what)

    def grade(self, question: Question, answer: str, reference_text: str | None = None) -> Grade:
        """Grade `answer`; with a judge configured the LLM adds judgement, bounded by the grounded grade.

        Raises LimitExceeded (a ValueError) when the answer, or the reference given, is over the answer limits."""
        self.check_answer(answer)
        if reference_text:
            self.check_answer(reference_text, "the reference answer given")
        else:
            self.prepare(question)  # a bank reference's vectors come from the memo when a process kept them
        reference = self.reference_for(question, reference_text)
        rubric = rubric_for(question.category)
        nearby = None if reference_text else self._nearby_questions
        grounded = self.grounded.grade(reference, rubric, answer, nearby)
        if self.judge is None:
            return grounded
        try:
            verdict = self.judge.grade(reference, rubric, answer)
        except StructuredOutputError as exc:
            usage.record_fallback(f"grade: {exc}")
            return fallback(grounded, str(exc))
        return blend(verdict, grounded, rubric, answer,
                     verify=lambda claims: self.grounded.verify(reference, answer, claims),
                     regrade=lambda forced: self.grounded.grade(reference, rubric, answer, nearby, forced))
