"""Team mode through AppTest: sign-in, what each role reaches, session links of other candidates, invitations, SSO."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from bot.accounts.passwords import PasswordHasher
from bot.accounts.service import AccountService
from bot.domain.access import Actor
from bot.domain.filters import QuestionFilter
from bot.ingest.pipeline import ingest
from bot.interview.sessions import SessionService
from bot.storage.accounts import AccountRepository
from bot.ui import resources
from bot.ui.state import UiState

pytestmark = pytest.mark.slow
REFUSED = "You may not open this interview: it belongs to another candidate."
APP = Path(__file__).resolve().parents[2] / "bot" / "ui" / "app.py"
BANK = [
    {"title": "Checkout experiment", "category": "analytics_experimentation", "company": "Globex",
     "question": "How would you A/B test a new one-click checkout?",
     "reference_answer": "Metrics:\n- Primary conversion rate, guardrail refund rate\nDesign:\n- Randomise by "
                         "user, run two full weeks for weekly seasonality, compute power for a 1% lift"},
]
SECRET_ANSWER = "I would randomise by user and watch conversion for two full weeks; my secret plan is here."


@dataclass
class TeamApp:
    accounts: AccountService
    sessions: SessionService
    ana_session: str  # graded and finished
    ana_active: str  # still waiting for her answer

    def turns(self, session_id: str) -> list[str]:
        return [t.text for t in self.sessions.open(Actor.local_profile(), session_id).turns]


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamApp]:
    """The app in accounts mode: admin ada, coach cole of cohort spring (candidate ana), candidate bob."""
    root = tmp_path_factory.mktemp("team")
    (root / "bank.json").write_text(json.dumps(BANK), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in {"STORE": str(root / "index"), "DATABASE_URL": f"sqlite:///{root / 'team.db'}",
                           "LLM": "none", "EMBEDDER": "minilm", "AUTH": "accounts",
                           "PUBLIC_URL": "https://interviews.example"}.items():
            patch.setenv(f"MOCKINTERVIEW_{key}", value)
        interviewer = resources.interviewer()
        assert not ingest([root / "bank.json"], interviewer.grading.store, interviewer.grading.embedder).errors
        accounts = AccountService(AccountRepository(interviewer.repo.engine), hasher=PasswordHasher(rounds=4))
        operator = Actor.local_profile()
        for name, role in (("ada", "admin"), ("cole", "coach"), ("ana", "candidate"), ("bob", "candidate")):
            accounts.create_account(operator, name, role, password=f"{name}-secret-pw")
        accounts.create_cohort(operator, "spring")
        accounts.add_to_cohort(operator, "spring", "cole")
        accounts.add_to_cohort(operator, "spring", "ana")
        sessions = SessionService.of(interviewer)
        session, _ = sessions.start(accounts.actor("ana"), QuestionFilter(), 1, depth=0)
        sessions.answer(accounts.actor("ana"), session.id, SECRET_ANSWER)
        active, _ = sessions.start(accounts.actor("ana"), QuestionFilter(), 1, depth=0)
        yield TeamApp(accounts, sessions, session.id, active.id)


def ok(app: AppTest) -> AppTest:
    assert not app.exception, [e.message for e in app.exception]
    return app


def fresh(query: dict[str, str] | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180)
    app.query_params.update(query or {})
    return ok(app.run())


def sign_in(app: AppTest, name: str, password: str | None = None) -> AppTest:
    """Fill the sign-in form and press its button."""
    fields = {t.label: t for t in app.text_input}
    fields["Account name"].set_value(name)
    fields["Password"].set_value(f"{name}-secret-pw" if password is None else password)
    return ok(next(b for b in app.button if b.label == "Sign in").click().run())


def signed_in(name: str, query: dict[str, str] | None = None) -> AppTest:
    app = sign_in(fresh(query), name)
    assert any(f"Signed in as **{name}**" in c.value for c in app.sidebar.caption), everything(app)
    return app


def shown(markdown: str) -> str:
    """What inert Markdown shows: escapes undone, word joiners (which stop autolinks) removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def everything(app: AppTest) -> str:
    kinds = ("markdown", "text", "caption", "info", "warning", "error", "title", "subheader")
    return "\n".join(str(getattr(e, "value", "")) for kind in kinds for e in app.get(kind))


def test_nobody_signed_in_sees_only_the_sign_in_form_even_with_a_session_link(team: TeamApp) -> None:
    app = fresh({"session": team.ana_session})
    assert app.title[0].value == "Mock interviewer"
    assert [t.label for t in app.text_input] == ["Account name", "Password"]
    assert not app.chat_message and SECRET_ANSWER not in everything(app)
    assert not any(e.label == "New here? Create an account" for e in app.expander)  # sign-up is by invitation


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_practice_page(team: TeamApp) -> None:
    app = sign_in(fresh(), "ana", "not-her-password")
    assert any("wrong account name or password" in e.value for e in app.error)
    sign_in(app, "ana")
    assert app.title[0].value == "Practice interview"
    assert any("Signed in as **ana** · candidate" in c.value for c in app.sidebar.caption)
    assert "Candidate name" not in [t.label for t in app.sidebar.text_input]  # the account is the name


def test_another_candidate_cannot_open_read_or_write_her_sessions_by_link(team: TeamApp) -> None:
    before = team.turns(team.ana_active)
    for session_id in (team.ana_session, team.ana_active):
        app = signed_in("bob", {"session": session_id})  # the link, as the app's address
        assert any(REFUSED in w.value for w in app.warning), everything(app)
        assert "session" not in app.query_params and not app.chat_message and SECRET_ANSWER not in everything(app)
        for page in ("pages/practice.py", "pages/report.py"):  # the pages check again, not only the address
            app.session_state["mockinterview"].session_id = session_id
            ok(app.switch_page(page).run())
            assert any(REFUSED in w.value for w in app.warning), everything(app)
            assert not app.chat_message and not app.get("download_button") and SECRET_ANSWER not in everything(app)
    assert team.turns(team.ana_active) == before


def test_a_candidates_history_is_their_own_and_no_name_can_be_typed(team: TeamApp) -> None:
    app = ok(signed_in("bob").switch_page("pages/history.py").run())
    assert not app.text_input and not app.selectbox
    assert any("No interviews yet" in i.value for i in app.info)
    ana = ok(signed_in("ana").switch_page("pages/history.py").run())
    assert set(ana.dataframe[0].value["session"]) == {team.ana_session, team.ana_active}


def test_a_candidate_reaches_no_recruiter_tool_and_no_bank_upload(team: TeamApp) -> None:
    for page in ("pages/recruiter.py", "pages/admin.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in bob's navigation
            signed_in("bob").switch_page(page)
    for page, refusal in (("recruiter.py", "for coaches and admins"), ("admin.py", "Only an admin")):
        direct = AppTest.from_file(str(APP.parent / "pages" / page), default_timeout=180)  # reached anyway
        direct.session_state["mockinterview"] = UiState(signed_in="bob")
        ok(direct.run())
        assert any(refusal in e.value for e in direct.error), everything(direct)
        assert not direct.get("file_uploader") and not direct.button
    bank = ok(signed_in("bob").switch_page("pages/question_bank.py").run())
    assert bank.title[0].value == "Question bank" and "Add a bank" not in [h.value for h in bank.subheader]
    assert not bank.get("file_uploader")


def test_a_coach_sees_their_cohort_read_only_and_reaches_the_recruiter_tools(team: TeamApp) -> None:
    history = ok(signed_in("cole").switch_page("pages/history.py").run())
    picker = history.selectbox[0]
    assert picker.label == "Candidate" and picker.options == ["cole", "ana"]  # bob is in no cohort of cole's
    ok(picker.set_value("ana").run())
    assert team.ana_session in set(history.dataframe[0].value["session"])
    practice = signed_in("cole", {"session": team.ana_active})
    assert practice.chat_message and practice.chat_input[0].disabled
    assert any("read-only" in i.value for i in practice.info)
    report = ok(signed_in("cole", {"session": team.ana_session}).switch_page("pages/report.py").run())
    assert [b.label for b in report.download_button] == ["Download Markdown", "Download HTML", "Download PDF"]
    recruiter = ok(signed_in("cole").switch_page("pages/recruiter.py").run())
    assert [h.value for h in recruiter.subheader] == ["Question variants", "Bulk grading"]
    outsider = signed_in("cole", {"session": team.ana_active})
    assert outsider.chat_message  # ana is in cole's cohort; bob's sessions would be refused like above


def test_an_admin_invites_and_the_link_signs_up_one_person(team: TeamApp) -> None:
    admin = ok(signed_in("ada").switch_page("pages/admin.py").run())
    assert admin.title[0].value == "Accounts"
    ok(next(s for s in admin.selectbox if s.label == "Cohort (optional)").set_value("spring").run())
    ok(next(b for b in admin.button if b.label == "Create an invitation link").click().run())
    link = admin.code[0].value
    token = re.fullmatch(r"https://interviews\.example/\?invite=([\w-]+)", link)
    assert token, link
    join = fresh({"invite": token.group(1)})
    assert any("invited to join as a candidate in the cohort spring" in i.value for i in join.info)
    fields = {t.label: t for t in join.text_input}
    fields["Choose an account name"].set_value("zed")
    fields["Choose a password"].set_value("zed-secret-pw")
    fields["Repeat the password"].set_value("zed-secret-pw")
    ok(next(b for b in join.button if b.label == "Create the account").click().run())
    assert any("Signed in as **zed** · candidate" in c.value for c in join.sidebar.caption)
    assert "zed" in team.accounts.actor("cole").coached
    again = fresh({"invite": token.group(1)})
    assert any("not valid" in w.value for w in again.warning) and "Choose a password" not in [
        t.label for t in again.text_input]


def test_a_coach_has_no_accounts_page(team: TeamApp) -> None:
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        signed_in("cole").switch_page("pages/admin.py")


def test_single_sign_on_maps_the_identity_to_a_candidate_account(team: TeamApp, monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    monkeypatch.setenv("MOCKINTERVIEW_AUTH", "oidc")
    app = fresh()
    assert any("no [auth] section" in e.value for e in app.error)  # no identity provider configured here
    assert [t.label for t in app.text_input] == ["Account name", "Password"]  # built-in accounts still sign in
    app = AppTest.from_file(APP, default_timeout=180)
    app.user = {"is_logged_in": True, "iss": "https://idp.example", "sub": "sso-42", "email": "sam@example.org",
                "email_verified": True, "name": "Sam"}
    ok(app.run())
    assert app.title[0].value == "Practice interview"
    assert any("Signed in as **sam@example.org** · candidate" in shown(c.value) for c in app.sidebar.caption)
    assert team.accounts.repo.account("sam@example.org") is not None
    team.accounts.set_disabled(team.accounts.actor("ada"), "sam@example.org", True)
    ok(app.run())  # the same browser tab, at its next request
    assert any("disabled" in w.value for w in app.warning)
    assert "Practice interview" not in [t.value for t in app.title] and not app.sidebar.selectbox
    again = AppTest.from_file(APP, default_timeout=180)  # a new tab, with the provider's cookie
    again.user = dict(app.user)
    ok(again.run())
    assert any("disabled" in w.value for w in again.warning) and again.title[0].value == "Mock interviewer"
    assert any(b.label == "Sign out of single sign-on" for b in again.button)
