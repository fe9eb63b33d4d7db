"""The app in a real browser: `streamlit run` as a subprocess, driven with Playwright and Debian's Chromium.

Answers two questions (one with a follow-up), finishes, reads the report, reloads, and finds the session still
there. Screenshots of each step go to test-artifacts/e2e/; the timings are printed and written there too.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from bot.storage.repository import SessionRepository

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
pytestmark = [pytest.mark.integration, pytest.mark.slow]
BANK = [
    {"title": "Fraud detection design", "company": "Acme", "role": "Data Scientist", "category": "ml_system_design",
     "question": "Design a fraud detection system for a marketplace. How would you handle imbalanced data?",
     "reference_answer": "Imbalance:\n- Class weights, SMOTE and precision-recall thresholds\nExplainability:\n- "
                         "SHAP values and plain-language reason codes\nServing:\n- Kafka stream, decisions in 100 ms"},
    {"title": "Checkout experiment", "company": "Acme", "role": "Data Scientist",
     "category": "analytics_experimentation",
     "question": "How would you A/B test a new one-click checkout?",
     "reference_answer": "Metrics:\n- Conversion rate as primary, refund rate as guardrail\nDesign:\n- Randomise by "
                         "user, two full weeks for weekly seasonality, power for a 1% lift"},
]
FIRST_ANSWER = "I would start by agreeing the goal with the team and then pick one main metric to watch."
LATER_ANSWERS = ["Honestly I am not sure what else I would add there.",
                 "I would check the data quality first and write down my assumptions."]
HOSTILE = '<img src=x onerror="window.__xss=1"> [link](http://x.test) ![img](http://x.test/i.png)'
SECOND_QUESTION_ANSWER = f"I would randomise by user, run it for two full weeks and compare conversion. {HOSTILE}"
SLOW = 240_000  # ms: grading waits for the embedding model on a busy 2-core machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"streamlit exited with {server.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    raise AssertionError(f"streamlit did not become healthy:\n{log.read_text(errors='replace')}")


@dataclass
class Server:
    url: str
    env: dict[str, str]
    setup_started: float  # before the ingest
    started: float  # when the server process was started
    healthy: float = 0.0  # seconds from `started` to the health endpoint answering


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A Streamlit server on a free port with a freshly ingested index and an empty database; always stopped."""
    setup_started = time.perf_counter()
    (tmp_path / "bank.json").write_text(json.dumps(BANK), encoding="utf-8")
    env = {**os.environ, "MOCKINTERVIEW_STORE": str(tmp_path / "index"), "MOCKINTERVIEW_LLM": "none",
           "MOCKINTERVIEW_DATABASE_URL": f"sqlite:///{tmp_path / 'sessions.db'}"}
    subprocess.run([sys.executable, "-m", "bot", "ingest", str(tmp_path / "bank.json")], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=600)
    started = time.perf_counter()
    with streamlit_app(env, tmp_path / "streamlit.log", "streamlit.log") as url:
        yield Server(url, env, setup_started, started, time.perf_counter() - started)


@contextmanager
def streamlit_app(env: dict[str, str], log: Path, artifact: str, *options: str, port: int = 0) -> Iterator[str]:
    """`streamlit run` of the app on 127.0.0.1 (`port`, or a free one; extra `options` passed on), until it is
    healthy; its URL, then the server stopped and its log kept as ARTIFACTS/`artifact`."""
    port = port or free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "bot/ui/app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false", *options], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / artifact).write_bytes(log.read_bytes())


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def idle(page: Page) -> None:
    """Wait until the script run triggered by the last interaction has finished."""
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=SLOW)


def send(page: Page, text: str) -> None:
    before = page.get_by_test_id("stChatMessage").count()
    box = page.get_by_test_id("stChatInputTextArea")
    expect(box).to_be_enabled(timeout=SLOW)
    box.fill(text)
    box.press("Enter")
    expect(page.get_by_test_id("stChatMessage")).not_to_have_count(before, timeout=SLOW)
    idle(page)
    assert page.get_by_test_id("stChatMessage").count() >= before + 2  # the answer and the reply


def last_reply(page: Page) -> str:
    return page.get_by_test_id("stChatMessage").last.inner_text()


def launch(playwright: Playwright) -> Browser:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run `make system-deps` (or apt-get install -y chromium)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def test_interview_in_a_browser_survives_a_reload(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    base = server.url
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(SLOW)
            expect.set_options(timeout=SLOW)
            browser_ready = time.perf_counter() - server.started
            page.goto(base)
            sidebar = page.get_by_test_id("stSidebar")
            expect(sidebar.get_by_role("button", name="Start interview")).to_be_visible()
            first_page = time.perf_counter() - server.started
            name = sidebar.get_by_role("textbox", name="Candidate name")
            name.fill("e2e-candidate")
            name.press("Enter")
            idle(page)
            count = sidebar.get_by_role("spinbutton", name="Number of questions")
            count.fill("2")
            count.press("Enter")
            idle(page)
            sidebar.get_by_role("button", name="Start interview").click()
            expect(page.get_by_text("Question 1 of 2")).to_be_visible()
            first_question = time.perf_counter() - server.started
            idle(page)
            session_id = re.search(r"[?&]session=([0-9a-f]{32})", page.url)
            assert session_id, page.url
            shot(page, "01-first-question")

            send(page, FIRST_ANSWER)
            shot(page, "02-follow-up")
            for reply in LATER_ANSWERS:
                if page.get_by_text("Question 2 of 2").count():
                    break
                send(page, reply)
            expect(page.get_by_text("Question 2 of 2")).to_be_visible()
            expect(page.get_by_test_id("stMetric").first).to_be_visible()  # the first question's score card
            shot(page, "03-second-question-and-score-card")
            send(page, SECOND_QUESTION_ANSWER)
            shot(page, "04-second-answer")
            # the candidate's markup is shown as text: no element, no link, no image, no script ran
            expect(page.get_by_text('<img src=x onerror="window.__xss=1"> [link](http')).to_be_visible()
            assert page.locator('img[src="x"], a[href^="http://x.test"], img[src^="http://x.test"]').count() == 0
            assert page.evaluate("window.__xss") is None

            page.get_by_role("button", name="Finish").click()
            expect(page.get_by_role("heading", name="Report")).to_be_visible()
            idle(page)
            expect(page.get_by_text(session_id.group(1)).first).to_be_visible()
            pdf_button = page.get_by_role("button", name="Download PDF")
            expect(pdf_button).to_be_visible()
            with page.expect_download() as download:
                pdf_button.click()
            pdf = ARTIFACTS / "report.pdf"
            download.value.save_as(pdf)
            assert pdf.read_bytes().startswith(b"%PDF")
            shot(page, "05-report")
            assert f"session={session_id.group(1)}" in page.url

            page.reload()
            expect(page.get_by_role("heading", name="Report")).to_be_visible()
            expect(page.get_by_text(session_id.group(1)).first).to_be_visible()
            idle(page)
            shot(page, "06-report-after-reload")

            page.goto(f"{base}/?session={session_id.group(1)}")
            expect(page.get_by_text("Question 1 of 2")).to_be_visible()
            idle(page)
            assert page.get_by_test_id("stChatMessage").count() >= 6
            expect(page.get_by_text("This interview is finished.")).to_be_visible()
            shot(page, "07-session-reopened-from-link")
        finally:
            browser.close()

    session = SessionRepository(server.env["MOCKINTERVIEW_DATABASE_URL"]).load(session_id.group(1))
    kinds = [t.kind for t in session.turns]
    assert session.status == "finished" and len(session.grades) == 2
    assert "follow_up" in kinds and kinds.count("question") == 2
    total = time.perf_counter() - server.setup_started
    timings = (f"server process start -> health endpoint up: {server.healthy:.1f} s\n"
               f"server process start -> browser launched: {browser_ready:.1f} s\n"
               f"server process start -> practice page rendered in the browser: {first_page:.1f} s\n"
               f"server process start -> first question visible: {first_question:.1f} s\n"
               f"whole browser test (ingest + server + browser): {total:.1f} s\n")
    (ARTIFACTS / "timings.txt").write_text(timings, encoding="utf-8")
    with capsys.disabled():
        print("\n" + timings, end="")


def test_the_interviewer_listens_in_a_browser(server: Server) -> None:
    """A request to repeat gets the question back, ungraded; a hedged answer is an answer; the debrief comes once
    the question is done, and the model answer stays hidden until then."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(SLOW)
            expect.set_options(timeout=SLOW)
            page.goto(server.url)
            sidebar = page.get_by_test_id("stSidebar")
            for label, value in (("Candidate name", "listener"), ("Topic (optional)", "fraud detection")):
                box = sidebar.get_by_role("textbox", name=label)
                box.fill(value)
                box.press("Enter")
                idle(page)
            count = sidebar.get_by_role("spinbutton", name="Number of questions")
            count.fill("1")
            count.press("Enter")
            idle(page)
            sidebar.get_by_role("button", name="Start interview").click()
            expect(page.get_by_text("Question 1 of 1")).to_be_visible()
            idle(page)
            session_id = re.search(r"[?&]session=([0-9a-f]{32})", page.url)
            assert session_id, page.url

            send(page, "Sorry, could you repeat the question?")
            assert "imbalanced data" in last_reply(page)
            send(page, "I think I'd probably stream the payments through Kafka and score each one in under 100 ms, "
                       "though I'm not totally sure that's enough.")
            follow_up = last_reply(page)
            assert follow_up.rstrip().endswith("?") and "Kafka" not in follow_up.split(".")[-1]
            expect(page.get_by_test_id("stMetric")).to_have_count(0)
            expect(page.get_by_text("Show model answer")).to_have_count(0)
            assert "reason codes" not in page.locator("body").inner_text()
            shot(page, "11-listening-follow-up")
            for reply in ("I'd weight the rare fraud class and choose the cut-off on the precision-recall curve.",
                          "Nothing more to add, thanks.", "Nothing more, let's move on."):
                if page.get_by_text("That answer scores").count():
                    break
                send(page, reply)
            expect(page.get_by_text("That answer scores")).to_be_visible()
            expect(page.get_by_test_id("stMetric").first).to_be_visible()
            expect(page.get_by_text("Show model answer")).to_be_visible()
            shot(page, "12-listening-debrief")
        finally:
            browser.close()

    session = SessionRepository(server.env["MOCKINTERVIEW_DATABASE_URL"]).load(session_id.group(1))
    kinds = [t.kind for t in session.turns if t.role == "candidate"]
    answer = session.candidate_answer(session.config.question_ids[0])
    assert kinds[:2] == ["request", "answer"] and session.grades
    assert "Kafka" in answer and "repeat the question" not in answer
