"""The interviewer service: runs a session with the policy, the grader and storage (every turn saved first)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.domain.filters import QuestionFilter
from bot.domain.grade import Grade
from bot.domain.interview import Session, SessionConfig, Turn
from bot.domain.models import Question
from bot.domain.policy import Action, Target, classify_message, next_action
from bot.grading.service import GradingService
from bot.interview import phrasing
from bot.interview.phraser import Phraser, TemplatePhraser
from bot.llm import usage
from bot.storage.repository import SessionRepository

CANDIDATE_KIND = {"answer": "answer", "skip": "answer", "clarify": "clarification", "hint": "hint"}


class InterviewError(RuntimeError):
    """The session cannot go on as asked (finished, or no question matches the filters)."""


def question_prompt(question: Question, number: int, total: int) -> str:
    """The question as written in the bank, with its context; never the reference answer."""
    context = " · ".join(v for v in (question.company, question.role, question.interview_round) if v)
    header = f"Question {number} of {total}: {question.title}"
    return f"{header}\n{context}\n\n{question.question}" if context else f"{header}\n\n{question.question}"


def targets(grade: Grade) -> tuple[list[Target], list[Target]]:
    """Missed key points (most important first) and weak rubric dimensions (heaviest first)."""
    missing = [Target(kind="key_point", key=r.key_point, label=r.key_point) for r in grade.missing]
    weak = [Target(kind="dimension", key=d.key, label=d.name)
            for d in sorted(grade.dimensions, key=lambda d: -d.weight) if d.score <= 2 and d.key != "coverage"]
    return missing, weak


@dataclass
class Interviewer:
    """Drives sessions; build it once with its dependencies."""

    repo: SessionRepository
    grading: GradingService
    phraser: Phraser = field(default_factory=TemplatePhraser)

    def choose(self, user: str, wanted: QuestionFilter, count: int, topic: str | None = None,
               seed: str | None = None) -> list[Question]:
        """Questions matching the filters (ranked by the topic when given), unseen ones first."""
        pool = [q for q in self.grading.store.questions() if wanted.matches(q)]
        if not pool:
            raise InterviewError(f"no question matches {wanted.as_dict() or 'the filters'}")
        if topic and topic.strip():
            vector = self.grading.embedder.embed([topic])[0]
            ranked = self.grading.store.search_questions(vector, k=len(self.grading.store.questions()))
            order = {q.id: i for i, (q, _) in enumerate(ranked)}
            pool.sort(key=lambda q: order.get(q.id, len(order)))
        else:
            random.Random(seed).shuffle(pool)
        seen = self.repo.questions_seen(user)
        fresh = [q for q in pool if q.id not in seen]
        return (fresh + [q for q in pool if q.id in seen])[:count]

    def start(self, user: str, questions: list[Question], depth: int = 2,
              wanted: QuestionFilter | None = None) -> tuple[Session, list[Turn]]:
        """Create the session and ask the first question."""
        config = SessionConfig(user=user, question_ids=[q.id for q in questions], depth=depth,
                               filters=(wanted or QuestionFilter()).as_dict())
        session = self.repo.create_session(config)
        first = Turn(role="interviewer", kind="question", text=question_prompt(questions[0], 1, len(questions)),
                     question_id=questions[0].id)
        self.repo.append_turn(session.id, first)
        return self.repo.load(session.id), [first]

    def respond(self, session_id: str, text: str, on_text: Callable[[str], None] | None = None) -> list[Turn]:
        """Record the candidate's message, then decide and record the interviewer's reply turns.

        `on_text` receives an LLM-worded follow-up as it streams (only text that passes the leak check); the
        stored turn is the checked final text. The first reply turn carries the tokens, cost and engine of
        the LLM calls made for it (a failed call means the grounded engine, marked `grounded-fallback`)."""
        session = self.repo.load(session_id)
        question_id = session.current_question_id
        if session.status == "finished" or question_id is None:
            raise InterviewError("this session is finished; start a new one")
        intent = classify_message(text)
        self.repo.append_turn(session_id, Turn(role="candidate", kind=CANDIDATE_KIND[intent], text=text,  # type: ignore[arg-type]
                                               question_id=question_id))
        return self._reply(session_id, on_text)

    def catch_up(self, session_id: str) -> list[Turn]:
        """Reply to the candidate's last message if its reply was never recorded (the store failed mid-turn)."""
        session = self.repo.load(session_id)
        if session.status == "finished" or not session.turns or session.turns[-1].role != "candidate":
            return []
        return self._reply(session_id)

    def _reply(self, session_id: str, on_text: Callable[[str], None] | None = None) -> list[Turn]:
        """Decide, record and return the interviewer's reply to the candidate's last (already saved) message."""
        session = self.repo.load(session_id)
        question_id = session.turns[-1].question_id
        intent = classify_message(session.turns[-1].text)
        question = self._question(question_id)
        answer = session.candidate_answer(question_id)
        with usage.capture() as spent:
            grade = self.grading.grade(question, answer)
            missing, weak = targets(grade)
            probes = session.probes_asked(question_id)
            action = next_action(intent, len(probes), session.config.depth, missing, weak,
                                 {t.target_key_point or "" for t in probes})
            replies = self._act(session, question, action, grade, answer, on_text)
        if spent.calls or spent.fallbacks:
            replies[0] = replies[0].model_copy(update={
                "engine": spent.engine(), "prompt_tokens": spent.prompt_tokens,
                "completion_tokens": spent.completion_tokens, "cost": spent.cost})
            self.repo.add_usage(session_id, spent.tokens, spent.cost)
        for turn in replies:
            self.repo.append_turn(session_id, turn)
        return replies

    def prepare(self, session_id: str) -> None:
        """Ready the grader for the question being asked (call while the candidate reads it; it is optional)."""
        question_id = self.repo.load(session_id).current_question_id
        if question_id is not None:
            self.grading.prepare(self._question(question_id))

    def finish(self, session_id: str) -> Session:
        """Grade what has been answered so far and close the session."""
        session = self.repo.load(session_id)
        for question_id in session.config.question_ids:
            answer = session.candidate_answer(question_id)
            if question_id not in session.grades and answer.strip():
                with usage.capture() as spent:
                    grade = self.grading.grade(self._question(question_id), answer)
                self.repo.save_grade(session_id, question_id, grade)
                if spent.calls:
                    self.repo.add_usage(session_id, spent.tokens, spent.cost)
        self.repo.set_status(session_id, "finished")
        return self.repo.load(session_id)

    def _question(self, question_id: str) -> Question:
        question = self.grading.store.question(question_id)
        if question is None:
            raise InterviewError(f"question {question_id} is no longer in the index; re-run ingest")
        return question

    def _act(self, session: Session, question: Question, action: Action, grade: Grade, answer: str,
             on_text: Callable[[str], None] | None = None) -> list[Turn]:
        earlier = session.interviewer_texts()
        seed = f"{session.id}:{question.id}:{len(earlier)}"
        if action.kind == "probe" and action.target:
            text = self.phraser.follow_up(question, action.target, answer, earlier, seed, on_text)
            engine = getattr(self.phraser, "last_engine", self.phraser.engine)
            return [Turn(role="interviewer", kind="follow_up", text=text, question_id=question.id,
                         target_key_point=action.target.key, engine=engine)]
        if action.kind == "clarify":
            focus = phrasing.topic_of(targets(grade)[0][0]) if grade.missing else None
            asked = session.turns[-1].text
            return [Turn(role="interviewer", kind="clarification", text=phrasing.clarification(asked, focus),
                         question_id=question.id)]
        if action.kind == "hint":
            return [Turn(role="interviewer", kind="hint", text=phrasing.hint(action.target), question_id=question.id,
                         target_key_point=action.target.key if action.target else None)]
        return self._move_on(session, question, grade)

    def _move_on(self, session: Session, question: Question, grade: Grade) -> list[Turn]:
        self.repo.save_grade(session.id, question.id, grade)
        ids = session.config.question_ids
        position = ids.index(question.id)
        summary = f"Thanks. That answer scores {grade.overall}/100."
        if grade.missing:
            summary += f" Worth covering next time: {phrasing.topic_of(targets(grade)[0][0])}."
        turns = [Turn(role="interviewer", kind="feedback", text=summary, question_id=question.id)]
        if position + 1 < len(ids):
            following = self._question(ids[position + 1])
            turns.append(Turn(role="interviewer", kind="question", question_id=following.id,
                              text=question_prompt(following, position + 2, len(ids))))
        else:
            self.repo.set_status(session.id, "finished")
            turns[0].text += " That was the last question: your report is ready."
        return turns
