"""Access rules in the service layer: candidates, coaches of a cohort, coaches of another one, admins, a link."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.accounts.passwords import PasswordHasher
from bot.accounts.service import AccountService
from bot.domain.access import AccessDenied, Actor
from bot.domain.filters import QuestionFilter
from bot.domain.interview import Session
from bot.grading.bulk import parse_bulk
from bot.grading.grounded import GroundedGrader
from bot.grading.service import GradingService
from bot.ingest.pipeline import ingest
from bot.interview.intents import IntentClassifier
from bot.interview.interviewer import Interviewer
from bot.interview.sessions import SessionService
from bot.retrieval.store import ChromaStore
from bot.staff import StaffTools
from bot.storage.accounts import AccountRepository
from bot.storage.repository import SessionRepository
from bot.ui.uploads import Upload
from bot.variants.service import VariantService
from tests.fakes import HashingEmbedder

BANK = [
    {"title": "Fraud detection design", "category": "ml_system_design", "company": "Acme",
     "question": "Design a fraud detection system. How would you handle imbalanced data and explain decisions?",
     "reference_answer": "Imbalance:\n- SMOTE oversampling and class weights, thresholds tuned on precision-recall"
                         "\nExplainability:\n- SHAP values for analysts and reason codes for legal\nServing:\n- "
                         "Kafka streams into a feature store; decisions under 100 ms"},
    {"title": "Checkout experiment", "category": "analytics_experimentation", "company": "Acme",
     "question": "How would you A/B test a new one-click checkout?",
     "reference_answer": "Metrics:\n- Primary conversion rate, guardrail refund rate\nDesign:\n- Randomise by user, "
                         "run two full weeks, compute power for a 1% lift"},
]
ANSWER = "Payments would flow through Kafka into a feature store; the model scores them in real time."
FAST = PasswordHasher(rounds=4)


@dataclass
class Team:
    """Two cohorts: `spring` (coach cole, candidate ana) and `autumn` (coach cory, candidate bob); admin ada."""

    sessions: SessionService
    accounts: AccountService
    grading: GradingService
    ana_session: Session

    def actor(self, name: str) -> Actor:
        return Actor.local_profile() if name == "local" else self.accounts.actor(name)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> tuple[GradingService, IntentClassifier]:
    """The bank indexed once, and one intent classifier (fitted once for the test embedder)."""
    root = tmp_path_factory.mktemp("access-bank")
    (root / "bank.json").write_text(json.dumps(BANK), encoding="utf-8")
    embedder = HashingEmbedder()
    store = ChromaStore.open(path=root / "index", embedder_name=embedder.name, dim=embedder.dim)
    ingest([root / "bank.json"], store, embedder)
    return GradingService(store=store, embedder=embedder, grounded=GroundedGrader(embedder)), IntentClassifier(embedder)


def build_team(database_url: str, grading: GradingService, intents: IntentClassifier) -> Team:
    """The two cohorts in the database at `database_url`, and one session of ana's with an answer."""
    repo = SessionRepository(database_url)
    accounts = AccountService(AccountRepository(repo.engine), hasher=FAST)
    operator = Actor.local_profile()
    for name, role in (("ada", "admin"), ("cole", "coach"), ("cory", "coach"), ("ana", "candidate"),
                       ("bob", "candidate")):
        accounts.create_account(operator, name, role, password=f"{name}-secret-pw")
    for cohort, coach, candidate in (("spring", "cole", "ana"), ("autumn", "cory", "bob")):
        accounts.create_cohort(operator, cohort)
        accounts.add_to_cohort(operator, cohort, coach)
        accounts.add_to_cohort(operator, cohort, candidate)
    sessions = SessionService.of(Interviewer(repo=repo, grading=grading, intents=intents))
    ana = accounts.actor("ana")
    session, _ = sessions.start(ana, QuestionFilter(), 1, topic="fraud detection", depth=1)
    sessions.answer(ana, session.id, ANSWER)
    return Team(sessions, accounts, grading, sessions.open(ana, session.id))


@pytest.fixture
def team(tmp_path: Path, engine: tuple[GradingService, IntentClassifier]) -> Team:
    return build_team(f"sqlite:///{tmp_path / 'sessions.db'}", *engine)


READERS = {"ana": True, "bob": False, "cole": True, "cory": False, "ada": True, "local": True}
WRITERS = {"ana": True, "bob": False, "cole": False, "cory": False, "ada": False, "local": True}


def assert_reads(team: Team, who: str) -> None:
    """`who` reads ana's session, report, history and usage if READERS says so, else is refused each one."""
    actor, session_id = team.actor(who), team.ana_session.id
    reads = [lambda: team.sessions.open(actor, session_id),
             lambda: team.sessions.report(actor, session_id, team.grading.store, "md"),
             lambda: team.sessions.history(actor, "ana"),
             lambda: team.sessions.usage(actor, team.ana_session)]
    for read in reads:
        if READERS[who]:
            read()
        else:
            with pytest.raises(AccessDenied, match="another candidate"):
                read()
    if READERS[who]:
        history = team.sessions.history(actor, "ana")
        assert [s.id for s in history.sessions] == [session_id] and history.seen


def assert_writes(team: Team, who: str) -> None:
    """`who` answers in and finishes ana's session if WRITERS says so; otherwise nothing of it changes."""
    actor, session_id = team.actor(who), team.ana_session.id
    before = len(team.sessions.open(team.actor("ana"), session_id).turns)
    writes = [lambda: team.sessions.answer(actor, session_id, "Class weights and SHAP values for the analysts."),
              lambda: team.sessions.finish(actor, session_id),
              lambda: team.sessions.catch_up(actor, session_id),
              lambda: team.sessions.latest_active(actor, "ana")]
    if WRITERS[who]:
        for write in writes:
            write()
        assert team.sessions.open(actor, session_id).status == "finished"
        return
    for write in writes:
        with pytest.raises(AccessDenied):
            write()
    after = team.sessions.open(team.actor("ana"), session_id)
    assert len(after.turns) == before and after.status == "active"  # nothing was written


@pytest.mark.parametrize("who", list(READERS))
def test_who_reads_a_candidates_session_report_and_history(team: Team, who: str) -> None:
    assert_reads(team, who)


@pytest.mark.parametrize("who", list(WRITERS))
def test_only_the_candidate_writes_to_their_session(team: Team, who: str) -> None:
    assert_writes(team, who)


def test_a_session_object_from_another_candidate_is_refused_too(team: Team) -> None:
    with pytest.raises(AccessDenied, match="another candidate"):
        team.sessions.answer(team.actor("bob"), team.ana_session, "typed into her interview")
    assert "typed into her interview" not in [t.text for t in team.sessions.open(team.actor("ana"),
                                                                                  team.ana_session.id).turns]


def test_a_coach_reads_but_may_not_answer_for_their_candidate(team: Team) -> None:
    with pytest.raises(AccessDenied, match="only its candidate"):
        team.sessions.answer(team.actor("cole"), team.ana_session.id, "an answer from the coach")


def test_nobody_but_the_local_profile_starts_an_interview_under_another_name(team: Team) -> None:
    for who in ("bob", "cole", "ada"):
        with pytest.raises(AccessDenied):
            team.sessions.start(team.actor(who), QuestionFilter(), 1, user="ana")
    session, _ = team.sessions.start(team.actor("local"), QuestionFilter(), 1, user="zoe")
    assert session.config.user == "zoe"
    own, _ = team.sessions.start(team.actor("bob"), QuestionFilter(), 1)
    assert own.config.user == "bob"
    assert [s.id for s in team.sessions.history(team.actor("bob")).sessions] == [own.id]


def test_cohort_changes_apply_to_the_next_request(team: Team) -> None:
    admin = team.actor("ada")
    team.accounts.remove_from_cohort(admin, "spring", "ana")
    with pytest.raises(AccessDenied):
        team.sessions.open(team.actor("cole"), team.ana_session.id)
    team.accounts.add_to_cohort(admin, "autumn", "ana")
    assert team.sessions.open(team.actor("cory"), team.ana_session.id).id == team.ana_session.id
    assert team.accounts.readable_users(team.actor("cory")) == ["cory", "ana", "bob"]
    assert team.accounts.readable_users(team.actor("bob")) == ["bob"]
    assert set(team.accounts.readable_users(admin)) == {"ada", "cole", "cory", "ana", "bob"}


def test_a_disabled_account_is_refused_at_its_next_request(team: Team) -> None:
    team.accounts.set_disabled(team.actor("ada"), "ana", True)
    with pytest.raises(AccessDenied, match="disabled"):
        team.actor("ana")


def test_only_coaches_and_admins_reach_the_recruiter_tools(team: Team, tmp_path: Path) -> None:
    def variants() -> VariantService:
        return VariantService(grading=team.grading, variants_dir=tmp_path / "variants")

    for who in ("ana", "bob"):
        with pytest.raises(AccessDenied, match="coaches and admins"):
            StaffTools(team.actor(who), team.grading, variants)
    tools = StaffTools(team.actor("cole"), team.grading, variants)
    rows = parse_bulk("answers.csv", f"candidate,question,answer\nana,Checkout experiment,{ANSWER}\n".encode(),
                      10_000)
    assert "overall" in tools.grade_answers(rows)[0]
    extra = [{**BANK[0], "title": "Fraud detection, again", "company": "Initech"}]
    outcome = tools.add_banks([Upload("more.json", json.dumps(extra).encode())])
    assert outcome[0].status == "ingested"
    # a tools object kept from when the user was a coach stops working once they are not
    tools.actor = Actor(user="cole", role="candidate")
    with pytest.raises(AccessDenied, match="Bulk grading"):
        tools.grade_answers(rows)
    with pytest.raises(AccessDenied, match="Question variants"):
        tools.generate_variants(team.grading.store.questions()[0], 1, ["domain"])


UI = Path(__file__).resolve().parents[2] / "bot" / "ui"
RAW = ("SessionRepository", ".repo.", "report_bytes", "grade_bulk", "ingest_uploads", "variants()", ".respond(",
       ".reply_to(", "interviewer.start(", "interviewer.finish(")


@pytest.mark.parametrize("page", sorted((UI / "pages").glob("*.py")), ids=lambda p: p.name)
def test_pages_reach_sessions_and_tools_only_through_the_checked_services(page: Path) -> None:
    source = page.read_text(encoding="utf-8")
    assert not [raw for raw in RAW if raw in source]
