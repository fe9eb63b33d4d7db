"""The interviewer service: runs a session with the policy, the grader and storage. Each turn reads the session
once, saves the candidate's message before anything else, and saves the replies (and a grade) in one write."""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.domain.filters import QuestionFilter
from bot.domain.grade import Grade
from bot.domain.interview import Session, SessionConfig, Turn
from bot.domain.limits import LimitExceeded
from bot.domain.models import Question
from bot.domain.policy import Action, Intent, next_action
from bot.grading import language
from bot.grading.reference import Reference
from bot.grading.service import GradingService
from bot.grading.text import statements
from bot.interview import listening, phrasing, probes
from bot.interview.intents import IntentClassifier
from bot.interview.phraser import Phraser, TemplatePhraser
from bot.llm import usage
from bot.storage.repository import SessionRepository

CANDIDATE_KIND = {"answer": "answer", "clarify": "clarification", "hint": "hint", "dont_know": "dont_know",
                  "repeat": "request", "rephrase": "request", "skip": "request", "chatter": "aside"}
GRADES_KEPT = 256
LANGUAGE_NOTE = "language"  # the target of the one turn per question asking for an answer in the reference's language
STRONG_ANSWER = 70  # at or above this overall the interviewer goes deeper into what was said before asking for more


class InterviewError(RuntimeError):
    """The session cannot go on as asked (finished, or no question matches the filters)."""


class AnswerTooLong(InterviewError):
    """The message, or the answer it would make, is over the answer limits; nothing of it was saved."""


def question_prompt(question: Question, number: int, total: int) -> str:
    """The question as written in the bank, with its context; never the reference answer."""
    context = " · ".join(v for v in (question.company, question.role, question.interview_round) if v)
    header = f"Question {number} of {total}: {question.title}"
    return f"{header}\n{context}\n\n{question.question}" if context else f"{header}\n\n{question.question}"


@dataclass
class Interviewer:
    """Drives sessions; build it once with its dependencies."""

    repo: SessionRepository
    grading: GradingService
    phraser: Phraser = field(default_factory=TemplatePhraser)
    intents: IntentClassifier | None = None
    _grades: OrderedDict[tuple[str, str, str], Grade] = field(default_factory=OrderedDict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.intents is None:
            self.intents = IntentClassifier(self.grading.embedder)

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
        return session.model_copy(update={"turns": [first]}), [first]

    def classify(self, text: str) -> Intent:
        assert self.intents is not None
        return self.intents.classify(text)

    def respond(self, session_id: str, text: str, on_text: Callable[[str], None] | None = None,
                session: Session | None = None) -> list[Turn]:
        """Record the candidate's message, then decide and record the interviewer's reply turns (pass the `session`
        already loaded to save reading it again).

        `on_text` receives an LLM-worded follow-up as it streams (only text that passes the leak check); the
        stored turn is the checked final text. The first reply turn carries the tokens, cost and engine of
        the LLM calls made for it (a failed call means the grounded engine, marked `grounded-fallback`)."""
        return self.reply_to(session or self.repo.load(session_id), text, on_text)

    def reply_to(self, session: Session, text: str, on_text: Callable[[str], None] | None = None) -> list[Turn]:
        """`respond` on a session already loaded, which is brought up to date in place (turns, grade, status)."""
        question_id = session.current_question_id
        if session.status == "finished" or question_id is None:
            raise InterviewError("this session is finished; start a new one")
        self._check_length(text, "the message")
        intent = self.classify(text)
        if intent != "answer" and self._in_another_language(question_id, text):
            intent = "answer"  # the intent model reads English only: a message of some length elsewhere is an answer
        kind = CANDIDATE_KIND[intent]
        so_far = session.candidate_answer(question_id)
        if kind == "answer" and so_far:
            self._check_length(f"{so_far}\n\n{text}", "the answer to this question with this message")
        turn = Turn(role="candidate", kind=kind, text=text, question_id=question_id)  # type: ignore[arg-type]
        self.repo.append_turn(session.id, turn)
        session.turns.append(turn)
        return self._reply(session, intent, on_text)

    def _in_another_language(self, question_id: str, text: str) -> bool:
        return language.mismatch(text, self.grading.reference_for(self._question(question_id))) is not None

    def _check_length(self, text: str, what: str) -> None:
        try:
            self.grading.check_answer(text, what)
        except LimitExceeded as exc:
            raise AnswerTooLong(f"{exc}. Nothing was saved: send a shorter answer.") from exc

    def catch_up(self, session_id: str) -> list[Turn]:
        """Reply to the candidate's last message if its reply was never recorded (the store failed mid-turn)."""
        session = self.repo.load(session_id)
        if session.status == "finished" or not session.turns or session.turns[-1].role != "candidate":
            return []
        return self._reply(session, self.classify(session.turns[-1].text))

    def grade(self, question: Question, answer: str) -> Grade:
        """The grade of `answer`, computed once per (question, answer, engine) and reused by later replies."""
        engine = "llm" if self.grading.judge is not None else "grounded"
        key = (question.id, answer, engine)
        with self._lock:
            if key in self._grades:
                self._grades.move_to_end(key)
                return self._grades[key]
        grade = self.grading.grade(question, answer)
        with self._lock:
            self._grades[key] = grade
            while len(self._grades) > GRADES_KEPT:
                self._grades.popitem(last=False)
        return grade

    def _reply(self, session: Session, intent: Intent, on_text: Callable[[str], None] | None = None) -> list[Turn]:
        """Decide and record the interviewer's reply to the candidate's last (already saved) message."""
        question_id = session.turns[-1].question_id
        question = self._question(question_id)
        answer = session.candidate_answer(question_id)
        with usage.capture() as spent:
            grade = self.grade(question, answer) if answer.strip() and intent not in (
                "clarify", "repeat", "rephrase", "chatter") else None
            action = self._decide(session, question, intent, grade, answer)
            replies, graded = self._act(session, question, action, grade, answer, on_text)
        if spent.calls or spent.fallbacks:
            replies[0] = replies[0].model_copy(update={
                "engine": spent.engine(), "prompt_tokens": spent.prompt_tokens,
                "completion_tokens": spent.completion_tokens, "cost": spent.cost})
        last = graded is not None and session.config.question_ids[-1] == question_id
        self.repo.record(session.id, replies, grades={question_id: graded} if graded else None,
                         status="finished" if last else None, tokens=spent.tokens, cost=spent.cost)
        session.turns.extend(replies)
        if graded is not None:
            session.grades[question_id] = graded
        if last:
            session.status = "finished"
        return replies

    def _decide(self, session: Session, question: Question, intent: Intent, grade: Grade | None,
                answer: str) -> Action:
        reference = self.grading.reference_for(question)
        probes_asked = session.probes_asked(question.id)
        dont_knows = sum(t.kind == "dont_know" for t in session.turns_for(question.id))
        if grade is None:
            if intent in ("answer", "skip", "dont_know") and not answer.strip():
                intent = "hint" if intent == "dont_know" and dont_knows <= 1 else intent
            return next_action(intent, len(probes_asked), session.config.depth, [], [], set(),
                               dont_knows=dont_knows)
        behavioral = reference.category == "behavioral"
        latest = session.turns[-1].text if session.turns[-1].kind == "answer" else ""
        missing = listening.missing_targets(grade, reference, include=frozenset(
            t.target_key_point or "" for t in probes_asked), related=self._related(reference, answer))
        last = probes_asked[-1].target_key_point if probes_asked else None
        return next_action(intent, len(probes_asked), session.config.depth, missing, listening.weak_dimensions(grade),
                           {t.target_key_point or "" for t in probes_asked},
                           deeper=listening.depth_targets(latest or answer, reference.question_stems, behavioral),
                           dont_knows=dont_knows, strong=grade.overall >= STRONG_ANSWER,
                           last_probe=next((t for t in missing if t.key == last), None))

    def _related(self, reference: Reference, answer: str) -> Callable[[list[str]], list[float]]:
        return lambda texts: self.grading.relatedness(reference, answer, texts)

    def prepare(self, session_id: str) -> None:
        """Ready the grader for the question being asked (call while the candidate reads it; it is optional)."""
        question_id = self.repo.load(session_id).current_question_id
        if question_id is not None:
            self.grading.prepare(self._question(question_id))

    def finish(self, session_id: str) -> Session:
        """Grade what has been answered so far and close the session."""
        session = self.repo.load(session_id)
        grades = {}
        with usage.capture() as spent:
            for question_id in session.config.question_ids:
                answer = session.candidate_answer(question_id)
                if question_id not in session.grades and answer.strip():
                    grades[question_id] = self.grade(self._question(question_id), answer)
        self.repo.record(session_id, [], grades=grades, status="finished", tokens=spent.tokens, cost=spent.cost)
        return self.repo.load(session_id)

    def _question(self, question_id: str) -> Question:
        question = self.grading.store.question(question_id)
        if question is None:
            raise InterviewError(f"question {question_id} is no longer in the index; re-run ingest")
        return question

    def _act(self, session: Session, question: Question, action: Action, grade: Grade | None, answer: str,
             on_text: Callable[[str], None] | None = None) -> tuple[list[Turn], Grade | None]:
        """The reply turns, and the grade to store when the interviewer moves on."""
        earlier = session.interviewer_texts()
        seed = f"{session.id}:{question.id}:{len(earlier)}"
        reference = self.grading.reference_for(question)

        def reply(kind: str, text: str, target: str | None = None, engine: str = "grounded") -> Turn:
            return Turn(role="interviewer", kind=kind, text=text, question_id=question.id,  # type: ignore[arg-type]
                        target_key_point=target, engine=engine)

        if (grade is not None and "language" in grade.flags and session.turns[-1].kind == "answer"
                and not any(t.target_key_point == LANGUAGE_NOTE for t in session.turns_for(question.id))):
            return [reply("clarification", phrasing.ask_in_language(grade.language), LANGUAGE_NOTE)], None
        if action.kind == "probe" and action.target and grade is not None:
            latest = session.turns[-1].text
            line = next((ack for said in (latest, answer) if (ack := phrasing.acknowledgement(
                statements(said), reference.question_stems, seed, warm=grade.overall >= 50, used=tuple(earlier)))), "")
            text = self.phraser.follow_up(question, action.target, answer, earlier, seed, on_text, line)
            engine = getattr(self.phraser, "last_engine", self.phraser.engine)
            return [reply("follow_up", text, action.target.key, engine)], None
        if action.kind == "clarify":
            context = [*(reference.spec.context if reference.spec else []), question.question,
                       *_assumptions(question)]
            return [reply("clarification", phrasing.clarification(session.turns[-1].text, question, context))], None
        if action.kind == "repeat":
            return [reply("clarification", phrasing.repeat(question.question))], None
        if action.kind == "rephrase":
            return [reply("clarification", phrasing.rephrase(*_short_version(reference)))], None
        if action.kind == "redirect":
            return [reply("clarification", phrasing.redirect())], None
        if action.kind == "hint":
            point = next((p for p in reference.points if action.target and action.target.key in (p.id, p.answers)),
                         None)
            cue = probes.cue(point) if point is not None else ""
            key = action.target.key if action.target else None
            return [reply("hint", phrasing.hint(action.target, cue), key)], None
        return self._move_on(session, question, grade or self.grade(question, answer), reply, reference, answer)

    def _move_on(self, session: Session, question: Question, grade: Grade, reply: Callable[..., Turn],
                 reference: Reference, answer: str) -> tuple[list[Turn], Grade]:
        ids = session.config.question_ids
        position = ids.index(question.id)
        turns = [reply("feedback", debrief(grade, reference, self._related(reference, answer)))]
        if position + 1 < len(ids):
            following = self._question(ids[position + 1])
            turns.append(reply("question", question_prompt(following, position + 2, len(ids)))
                         .model_copy(update={"question_id": following.id}))
        else:
            turns[0] = turns[0].model_copy(update={"text": turns[0].text + "\n\nThat was the last question: your "
                                                                           "report is ready."})
        return turns, grade


def debrief(grade: Grade, reference: Reference, related: Callable[[list[str]], list[float]] | None = None) -> str:
    """The debrief after a question, built from the grade: its strongest dimension with a quote of the answer, the
    most important missed requirement with a line of the reference, and the first improvement."""
    best = max(grade.dimensions, key=lambda d: (d.score, d.weight), default=None)
    quote = next((q for q in (best.evidence if best else []) if q), "") or next(
        (r.evidence for r in grade.covered if r.evidence), "")
    gap = next((t.label for t in listening.missing_targets(grade, reference, related=related)), "")
    model_line = phrasing.shorten(grade.model_answer_excerpt, 25) if gap and grade.model_answer_excerpt else ""
    improvement = next((i for i in grade.improvements if not i.startswith("Cover “")), "")
    strength = best.name if best and best.score >= 3 else ""
    return phrasing.debrief(grade, strength, phrasing.shorten(quote, 20) if quote else "", gap, model_line,
                            improvement)


def _assumptions(question: Question) -> list[str]:
    """The reference's own statements of scope and requirements (what an interviewer would tell a candidate)."""
    wanted = ("assum", "requirement", "clarif", "scope", "constraint")
    return [line.strip(" -•") for s in question.sections if any(w in s.title.lower() for w in wanted)
            for line in s.text.splitlines() if len(line.split()) >= 4][:12]


def _short_version(reference: Reference) -> tuple[str, list[str]]:
    spec = reference.spec
    main = next((e.text for e in spec.elements if e.main), spec.elements[0].text) if spec and spec.elements else \
        reference.question
    topics = [probes.topic(p) for p in reference.points if p.ask and not p.main][:4]
    story = next((e.kind == "situation" for e in spec.elements if e.main), False) if spec else False
    main = f"Tell me about {main}" if story and not main.lower().startswith(("walk", "tell")) else \
        main[:1].upper() + main[1:]
    return (main if main.endswith((".", "?")) else main + "."), topics
