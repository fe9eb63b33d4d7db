"""Team mode in a real browser: `streamlit run` with accounts, Chromium with one context per person.

Ana practises; Bob, another candidate, cannot open, read or write her session, report or history by link or by
name, and reaches no recruiter tool; Cole, the coach of her cohort, sees her history and reads her interview.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from bot.storage.repository import SessionRepository
from tests.integration.test_browser_e2e import ARTIFACTS, BANK, ROOT, SLOW, idle, launch, send, streamlit_app

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REFUSED = "You may not open this interview: it belongs to another candidate."
PEOPLE = {"ada": "admin", "cole": "coach", "ana": "candidate", "bob": "candidate"}
HER_ANSWER = "I would agree the goal first, then watch one main metric; her-private-words-7731."


@dataclass
class TeamServer:
    url: str
    database_url: str


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, check=True, capture_output=True,
                   timeout=600, input=stdin, text=True)


@pytest.fixture
def team_server(tmp_path: Path) -> Iterator[TeamServer]:
    """The app in accounts mode with four accounts (cohort spring: coach cole, candidate ana); always stopped."""
    (tmp_path / "bank.json").write_text(json.dumps(BANK), encoding="utf-8")
    database_url = f"sqlite:///{tmp_path / 'team.db'}"
    env = {**os.environ, "MOCKINTERVIEW_STORE": str(tmp_path / "index"), "MOCKINTERVIEW_LLM": "none",
           "MOCKINTERVIEW_DATABASE_URL": database_url, "MOCKINTERVIEW_AUTH": "accounts"}
    cli(env, "ingest", str(tmp_path / "bank.json"))
    for name, role in PEOPLE.items():
        cli(env, "users", "create", name, "--role", role, "--password-stdin", stdin=f"{name}-secret-pw\n")
    cli(env, "users", "cohort", "create", "spring")
    cli(env, "users", "cohort", "add", "spring", "cole")
    cli(env, "users", "cohort", "add", "spring", "ana")
    with streamlit_app(env, tmp_path / "streamlit.log", "streamlit-team.log") as url:
        yield TeamServer(url, database_url)


def person(browser: Browser) -> tuple[BrowserContext, Page]:
    """A browser context of its own (no shared cookies or storage), as a second person's browser would be."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(SLOW)
    return context, page


def sign_in(page: Page, url: str, name: str) -> None:
    page.goto(url)
    expect(page.get_by_role("textbox", name="Account name")).to_be_visible()
    page.get_by_role("textbox", name="Account name").fill(name)
    page.get_by_role("textbox", name="Password").fill(f"{name}-secret-pw")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("stSidebar").get_by_text(f"Signed in as {name}")).to_be_visible()
    idle(page)


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"team-{name}.png"), full_page=True)


def nav_links(page: Page) -> list[str]:
    """The page titles in the navigation (each link also holds its icon's name on a line of its own)."""
    return [t.split("\n")[-1].strip() for t in page.get_by_test_id("stSidebarNav").locator("a").all_inner_texts()]


def test_two_candidates_and_a_coach_in_their_own_browsers(team_server: TeamServer) -> None:
    base = team_server.url
    expect.set_options(timeout=SLOW)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            ana_context, ana = person(browser)
            sign_in(ana, base, "ana")
            assert "Recruiter" not in nav_links(ana) and "History" in nav_links(ana)
            sidebar = ana.get_by_test_id("stSidebar")
            expect(sidebar.get_by_role("textbox", name="Candidate name")).to_have_count(0)
            sidebar.get_by_role("button", name="Start interview").click()
            expect(ana.get_by_text("Question 1 of")).to_be_visible()
            idle(ana)
            found = re.search(r"[?&]session=([0-9a-f]{32})", ana.url)
            assert found, ana.url
            session_id = found.group(1)
            send(ana, HER_ANSWER)
            shot(ana, "01-ana-answered")
            turns_before = len(SessionRepository(team_server.database_url).load(session_id).turns)

            bob_context, bob = person(browser)
            for path in ("", "report"):  # her link, on the practice and on the report page
                sign_in(bob, f"{base}/{path}?session={session_id}", "bob")
                expect(bob.get_by_text(REFUSED)).to_be_visible()
                body = bob.locator("body").inner_text()
                assert "her-private-words-7731" not in body and session_id not in bob.url
                expect(bob.get_by_test_id("stChatMessage")).to_have_count(0)
                expect(bob.get_by_role("button", name="Download Markdown")).to_have_count(0)
            shot(bob, "02-bob-refused-her-link")
            bob.get_by_test_id("stSidebarNav").get_by_text("History").click()
            expect(bob.get_by_role("heading", name="History")).to_be_visible()
            idle(bob)
            expect(bob.get_by_text("No interviews yet")).to_be_visible()  # his own, empty; no name to type
            expect(bob.get_by_role("textbox", name="Candidate name")).to_have_count(0)
            assert "ana" not in bob.locator("section.main, [data-testid='stMain']").first.inner_text()
            assert "Recruiter" not in nav_links(bob)
            sign_in(bob, f"{base}/recruiter", "bob")
            expect(bob.get_by_role("heading", name="Bulk grading")).to_have_count(0)
            expect(bob.get_by_role("heading", name="Question variants")).to_have_count(0)
            shot(bob, "03-bob-no-recruiter")
            session = SessionRepository(team_server.database_url).load(session_id)
            assert len(session.turns) == turns_before and session.config.user == "ana"

            cole_context, cole = person(browser)
            sign_in(cole, base, "cole")
            assert "Recruiter" in nav_links(cole)
            cole.get_by_test_id("stSidebarNav").get_by_text("History").click()
            expect(cole.get_by_role("heading", name="History")).to_be_visible()
            idle(cole)
            picker = cole.get_by_test_id("stSelectbox").filter(has_text="Candidate")
            picker.click()
            cole.get_by_role("option", name="ana").click()
            idle(cole)
            expect(cole.get_by_text(session_id).first).to_be_attached()  # a cell of the sessions table
            cole.get_by_role("button", name="View it in Practice").click()
            expect(cole.get_by_text("her-private-words-7731")).to_be_visible()
            expect(cole.get_by_text("read-only")).to_be_visible()
            expect(cole.get_by_test_id("stChatInputTextArea")).to_be_disabled()
            shot(cole, "04-coach-reads-her-interview")
            for context in (ana_context, bob_context, cole_context):
                context.close()
        finally:
            browser.close()
    final = SessionRepository(team_server.database_url).load(session_id)
    assert [t.text for t in final.turns if t.role == "candidate"] == [HER_ANSWER]  # nobody else wrote in it
