"""Single sign-on in a real browser: `streamlit run` with MOCKINTERVIEW_AUTH=oidc against a real OIDC provider."""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from bot.storage.accounts import AccountRepository
from bot.storage.repository import SessionRepository
from tests.integration.oidc_provider import Identity, Provider
from tests.integration.test_browser_e2e import ARTIFACTS, BANK, SLOW, free_port, idle, launch, streamlit_app
from tests.integration.test_browser_team import cli, nav_links, person

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SSO_BUTTON = "Sign in with single sign-on"
IDENTITIES = {
    "ana": Identity(sub="ana-1001", email="ana@school.example", name="Ana Lima"),
    # claims Cole's address, but the provider has not verified that it is hers: she must not get his account
    "mallory": Identity(sub="mal-3003", email="cole@school.example", name="Mallory Stone", email_verified=False),
    "cole": Identity(sub="cole-2002", email="cole@school.example", name="Cole Reyes"),
}


@dataclass
class SSOServer:
    url: str
    database_url: str
    provider: Provider


@pytest.fixture
def sso_server(tmp_path: Path) -> Iterator[SSOServer]:
    """The provider and the app in oidc mode (coach cole made beforehand by e-mail); both always stopped."""
    (tmp_path / "bank.json").write_text(json.dumps(BANK), encoding="utf-8")
    database_url = f"sqlite:///{tmp_path / 'sso.db'}"
    env = {**os.environ, "MOCKINTERVIEW_STORE": str(tmp_path / "index"), "MOCKINTERVIEW_LLM": "none",
           "MOCKINTERVIEW_DATABASE_URL": database_url, "MOCKINTERVIEW_AUTH": "oidc"}
    env.pop("MOCKINTERVIEW_OIDC_PROVIDER", None)
    cli(env, "ingest", str(tmp_path / "bank.json"))
    cli(env, "users", "create", "cole", "--role", "coach", "--email", "cole@school.example")
    port = free_port()
    redirect_uri = f"http://127.0.0.1:{port}/oauth2callback"
    provider = Provider("mockinterview-test", secrets.token_urlsafe(24), redirect_uri, IDENTITIES).start()
    secrets_file = tmp_path / "secrets.toml"  # outside the repository: its .streamlit/ is never written
    secrets_file.write_text(
        f'[auth]\nredirect_uri = "{redirect_uri}"\ncookie_secret = "{secrets.token_hex(32)}"\n'
        f'client_id = "{provider.client_id}"\nclient_secret = "{provider.client_secret}"\n'
        f'server_metadata_url = "{provider.metadata_url}"\n', encoding="utf-8")
    try:
        with streamlit_app(env, tmp_path / "streamlit.log", "streamlit-sso.log", "--secrets.files", str(secrets_file),
                           port=port) as url:
            yield SSOServer(url, database_url, provider)
    finally:
        provider.stop()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"sso-{name}.png"), full_page=True)


def signed_in_as(account: str, role: str | None = None) -> re.Pattern[str]:
    """The sidebar's line; the app shows an e-mail-like name with a word joiner after the @ (no mail link)."""
    name = re.escape(account).replace("@", "@\u2060?")
    return re.compile(f"Signed in as {name}" + (f" · {role}" if role else ""))


def sso_sign_in(page: Page, server: SSOServer, who: str, account: str, role: str) -> None:
    """Through the provider's own pages: the app's button, the provider's chooser, back signed in."""
    page.goto(server.url)
    page.get_by_role("button", name=SSO_BUTTON).click()
    page.wait_for_url(f"{server.provider.issuer}/authorize?**")
    expect(page.get_by_role("heading", name="Choose an account")).to_be_visible()
    page.get_by_role("button", name=f"Continue as {IDENTITIES[who].name}").click()
    page.wait_for_url(f"{server.url}/**")
    expect(page.get_by_test_id("stSidebar").get_by_text(signed_in_as(account, role))).to_be_visible()
    idle(page)


def accounts(server: SSOServer) -> dict[str, tuple[str, str | None, bool]]:
    repo = SessionRepository(server.database_url)
    try:
        return {a.name: (a.role, a.email, a.sso) for a in AccountRepository(repo.engine).accounts()}
    finally:
        repo.close()


def test_single_sign_on_through_a_real_provider(sso_server: SSOServer) -> None:
    server, provider = sso_server, sso_server.provider
    expect.set_options(timeout=SLOW)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            ana_context, ana = person(browser)
            ana.goto(server.url)
            expect(ana.get_by_role("button", name=SSO_BUTTON)).to_be_visible()
            sso_sign_in(ana, server, "ana", "ana@school.example", "candidate")
            authorize = json.loads(provider.seen("authorize")[-1])
            assert authorize["redirect_uri"] == f"{server.url}/oauth2callback" and authorize["nonce"]
            assert authorize["code_challenge_method"] == "S256" and "email" in authorize["scope"].split()
            assert provider.seen("token") == ["ana-1001 client_secret_basic pkce=True"]
            assert "Recruiter" not in nav_links(ana) and "Practice" in nav_links(ana)
            ana.get_by_test_id("stSidebar").get_by_role("button", name="Start interview").click()
            expect(ana.get_by_text("Question 1 of")).to_be_visible()
            idle(ana)
            shot(ana, "01-ana-practises")
            ana.goto(f"{server.url}/recruiter")
            expect(ana.get_by_test_id("stSidebar").get_by_text(signed_in_as("ana@school.example"))).to_be_visible()
            idle(ana)
            expect(ana.get_by_role("heading", name="Bulk grading")).to_have_count(0)
            expect(ana.get_by_role("heading", name="Question variants")).to_have_count(0)
            assert accounts(server)["ana@school.example"] == ("candidate", "ana@school.example", True)
            ana.goto(server.url)  # away from the unknown page's notice, which makes the rest of the page inert
            idle(ana)
            ana.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
            expect(ana.get_by_role("button", name=SSO_BUTTON)).to_be_visible()
            assert provider.seen("logout") == ["ana-1001"]  # RP-initiated logout with her id_token_hint
            ana.reload()
            expect(ana.get_by_role("button", name=SSO_BUTTON)).to_be_visible()
            expect(ana.get_by_text("Signed in as")).to_have_count(0)
            shot(ana, "02-ana-signed-out")

            mallory_context, mallory = person(browser)
            sso_sign_in(mallory, server, "mallory", "Mallory.Stone", "candidate")  # not named after his address
            assert "Recruiter" not in nav_links(mallory)
            shot(mallory, "03-unverified-email-not-linked")

            cole_context, cole = person(browser)
            sso_sign_in(cole, server, "cole", "cole", "coach")
            assert "Recruiter" in nav_links(cole)
            cole.get_by_test_id("stSidebarNav").get_by_text("Recruiter").click()
            expect(cole.get_by_role("heading", name="Question variants")).to_be_visible()
            shot(cole, "04-verified-email-linked-to-the-coach")
            for context in (ana_context, mallory_context, cole_context):
                context.close()
        finally:
            browser.close()
    assert accounts(server) == {
        "ana@school.example": ("candidate", "ana@school.example", True),
        "Mallory.Stone": ("candidate", None, True),  # the unverified identity's own; the address not recorded
        "cole": ("coach", "cole@school.example", True),
    }
    assert sorted(provider.seen("approve")) == ["ana", "cole", "mallory"]
