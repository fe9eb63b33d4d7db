"""LLM path benchmark through a real local OpenAI-compatible server (llama.cpp serving SmolLM2-135M).

Measures turn latency, how often the tiny model's grade was valid vs fell back to the grounded engine, how often
its follow-up wording was used, and prompt tokens per call against the budget.

Run: .venv/bin/python -m bench.bench_llm [--questions N] [--store DIR]   (needs `make llm-server-env`)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from bench.eval_grader import find_question
from bench.report import ROOT, percentiles_ms, save
from bot.domain.grade import Grade
from bot.ingest.pipeline import ingest
from bot.interview.interviewer import Interviewer
from bot.interview.phraser import LLMPhraser
from bot.llm import local_server, usage
from bot.llm.factory import build_client
from bot.settings import Settings
from bot.storage.repository import SessionRepository
from bot.wiring import grading_service

DATA = ROOT / "bench" / "data" / "partial_answers.yaml"
SECOND_REPLY = "I'm not sure about that part."
CONTEXT, REPLY = 4096, 256


def run(interviewer: Interviewer, items: list[dict[str, Any]]) -> dict[str, Any]:
    grading = interviewer.grading
    engines: list[str] = []
    original = grading.grade

    def spy(*args: Any, **kwargs: Any) -> Grade:
        grade = original(*args, **kwargs)
        engines.append(grade.engine)
        return grade

    grading.grade = spy  # type: ignore[method-assign]
    questions = grading.store.questions()
    latencies: list[float] = []
    first_piece: list[float] = []
    phrasings: list[str] = []
    per_call: list[tuple[int, int]] = []
    turn_tokens: list[int] = []
    budget = 0
    for item in items:
        question = find_question(questions, item["source_file"], item["title"])
        session, _ = interviewer.start("bench-llm", [question], depth=1)
        interviewer.prepare(session.id)
        for reply in (item["answer"].strip(), SECOND_REPLY):
            started = time.perf_counter()
            seen: list[float] = []

            def first(_piece: str, seen: list[float] = seen) -> None:
                if not seen:
                    seen.append(time.perf_counter())

            with usage.capture() as spent:
                turns = interviewer.respond(session.id, reply, on_text=first)
            latencies.append(time.perf_counter() - started)
            if seen:
                first_piece.append(seen[0] - started)
            if turns[0].kind == "follow_up" and isinstance(interviewer.phraser, LLMPhraser):
                phrasings.append(interviewer.phraser.last_engine)
            per_call.extend(spent.per_call)
            turn_tokens.append(spent.tokens)
            budget = max(budget, spent.budget)
    valid = engines.count("llm+grounded")
    reported = [p for p, _ in per_call]
    estimated = [e for _, e in per_call]
    return {
        "questions": len(items), "turns": len(latencies), "turn_latency": percentiles_ms(latencies),
        "first_streamed_piece": percentiles_ms(first_piece) if first_piece else None,
        "grades": len(engines), "grades_valid": valid, "grades_fallback": engines.count("grounded-fallback"),
        "follow_ups": len(phrasings), "follow_ups_llm": phrasings.count("llm"),
        "follow_ups_fallback": phrasings.count("grounded-fallback"),
        "calls": len(per_call), "prompt_budget": budget, "context": CONTEXT, "reply_reserve": REPLY,
        "prompt_tokens_server": {"median": statistics.median(reported), "max": max(reported)} if reported else None,
        "prompt_tokens_tiktoken": {"median": statistics.median(estimated), "max": max(estimated)}
        if estimated else None,
        "over_budget_calls": sum(e > budget for e in estimated),
        "tokens_per_turn": {"median": statistics.median(turn_tokens), "max": max(turn_tokens)},
    }


def markdown(r: dict[str, Any]) -> str:
    first = r["first_streamed_piece"]
    streamed = (f"; first streamed piece of a follow-up p50 **{first['p50_ms']} ms**" if first else "")
    server, local = r["prompt_tokens_server"] or {}, r["prompt_tokens_tiktoken"] or {}
    return f"""## LLM path through a local OpenAI-compatible server (llama.cpp, SmolLM2-135M Q4_1)

Command: `.venv/bin/python -m bench.bench_llm --questions {r['questions']}` (server from `make llm-server-env`;
context {r['context']} tokens, {r['reply_reserve']} reserved for the reply). {r['questions']} seed questions, each
answered with its partial answer (`bench/data/partial_answers.yaml`) then "{SECOND_REPLY}"; depth 1; LLM judge
and LLM follow-ups on.

- Turn latency ({r['turns']} turns: judge call + follow-up call + grounded grading + storage): p50
  **{r['turn_latency']['p50_ms']} ms**, p95 **{r['turn_latency']['p95_ms']} ms**{streamed}
- Grades from the tiny model: **{r['grades_valid']}/{r['grades']} valid** (blended), **{r['grades_fallback']}
  fell back** to the grounded engine (output that failed validation)
- Follow-up wording: **{r['follow_ups_llm']}/{r['follow_ups']} used the model's text**, {r['follow_ups_fallback']}
  fell back to the templates (empty, too long, a repeat, or a leak)
- Prompt tokens per call ({r['calls']} calls), budget **{r['prompt_budget']}**: server-counted median
  **{server.get('median')}**, max **{server.get('max')}**; our tiktoken estimate median {local.get('median')}, max
  {local.get('max')}; calls over budget: **{r['over_budget_calls']}**
- Tokens per turn (prompt + reply, all calls): median **{r['tokens_per_turn']['median']}**, max
  **{r['tokens_per_turn']['max']}**
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=8, help="seed questions to run (default 8)")
    parser.add_argument("--store", type=Path, default=None, help="index directory (default: settings)")
    args = parser.parse_args()
    items = yaml.safe_load(DATA.read_text(encoding="utf-8"))[:args.questions]
    with tempfile.TemporaryDirectory() as tmp:
        server = local_server.start(Path(tmp) / "server.log", n_ctx=CONTEXT)
        try:
            settings = Settings(llm="openai-compatible", llm_base_url=server.base_url,
                                llm_model=local_server.MODEL_NAME, llm_context_tokens=CONTEXT,
                                llm_max_output_tokens=REPLY, llm_timeout=120, llm_max_retries=1)
            if args.store:
                settings = settings.model_copy(update={"store": args.store})
            grading = grading_service(settings)
            ingest([ROOT / "seeds"], grading.store, grading.embedder)
            interviewer = Interviewer(repo=SessionRepository(f"sqlite:///{tmp}/bench.db"), grading=grading,
                                      phraser=LLMPhraser(build_client(settings)))
            warm = interviewer.start("warm-up", grading.store.questions()[:1], depth=0)[0]
            interviewer.respond(warm.id, "warm-up answer about metrics and models")  # model loads, not timed
            results = run(interviewer, items)
        finally:
            server.stop()
    save("50_llm", results, markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
