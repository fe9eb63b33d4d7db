"""A generator of synthetic interview questions (templates × lexicon) written as JSON bank files.

Run: .venv/bin/python -m bench.synthetic_bank --questions 10000 --out DIR
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

COMPANIES = ["Amazon", "Walmart", "Netflix", "Uber", "Airbnb", "Spotify", "Stripe", "Shopify", "Meta", "Google",
             "LinkedIn", "Pinterest", "DoorDash", "Instacart", "Zillow", "Expedia", "Etsy", "Lyft", "Square", "Booking"]
ROLES = ["Data Scientist", "Product Analyst", "Machine Learning Engineer", "Product Manager", "Analytics Engineer"]
DIFFICULTIES = ["easy", "medium", "hard"]
AREAS = {  # product area: (users, unit of activity, primary metric, guardrail metric)
    "checkout": ("shoppers", "order", "conversion rate", "refund rate"),
    "ride matching": ("riders", "trip", "completed trips per rider", "cancellation rate"),
    "home feed": ("members", "session", "daily active users", "hide rate"),
    "search ranking": ("buyers", "query", "click-through rate", "zero-result rate"),
    "fraud screening": ("merchants", "transaction", "fraud loss in basis points", "false decline rate"),
    "subscriptions": ("subscribers", "renewal", "monthly churn", "support tickets per user"),
    "delivery dispatch": ("couriers", "delivery", "on-time rate", "courier idle time"),
    "ads auction": ("advertisers", "impression", "revenue per mille", "ad load"),
    "notifications": ("users", "push", "seven-day retention", "opt-out rate"),
    "pricing": ("hosts", "booking", "gross bookings", "price complaints"),
    "recommendations": ("listeners", "stream", "minutes listened", "skip rate"),
    "onboarding": ("new sellers", "signup", "activation rate", "time to first sale"),
    "inventory": ("stores", "replenishment", "in-stock rate", "waste percentage"),
    "customer support": ("agents", "ticket", "first-contact resolution", "handle time"),
}
MODELS = ["gradient-boosted trees", "a two-tower retrieval model", "logistic regression with calibrated scores",
          "a sequence model over recent events", "a survival model", "a contextual bandit", "an isolation forest",
          "a learning-to-rank model", "a time-series forecaster with holiday effects", "a graph model over accounts"]
CHALLENGES = ["class imbalance", "label delay", "cold start for new items", "concept drift after launches",
              "feedback loops from its own decisions", "sparse features for small markets", "latency under 100 ms",
              "position bias in logged data", "seasonality around holidays", "explaining decisions to regulators"]
METHODS = ["stratified sampling", "class weights", "SMOTE oversampling", "target encoding", "feature crosses",
           "embeddings of recent activity", "inverse propensity weighting", "CUPED variance reduction",
           "sequential testing with alpha spending", "difference-in-differences", "synthetic control",
           "quantile regression", "Bayesian hierarchical shrinkage", "SHAP explanations", "threshold tuning on "
           "the precision-recall curve", "a holdout group kept for a quarter"]
RISKS = ["novelty effects", "network interference between users", "sample ratio mismatch", "survivorship bias",
         "Simpson's paradox across regions", "leakage from post-event features", "cannibalisation of another "
         "surface", "fairness gaps across segments", "privacy limits on joining data", "metric gaming by partners"]
CHANGES = ["a one-click flow", "a redesigned ranking", "dynamic pricing", "a loyalty badge", "free delivery "
           "over a threshold", "a shorter signup form", "personalised bundles", "a new default sort order"]
SITUATIONS = ["disagreed with a senior stakeholder about a metric", "shipped an analysis under a tight deadline",
              "found a serious error in a dashboard others relied on", "influenced a roadmap without authority",
              "mentored a junior analyst through a hard project", "killed a project you had championed",
              "turned an ambiguous request into a measurable goal", "handled a failed experiment launch"]


def _pick(rng: random.Random, pool: list[str], k: int) -> list[str]:
    return rng.sample(pool, k)


def question(index: int, seed: int = 7) -> dict[str, Any]:
    """One varied, realistic question with a sectioned reference answer; the same index always gives the same one."""
    rng = random.Random(seed * 1_000_003 + index)
    area = rng.choice(list(AREAS))
    users, unit, metric, guardrail = AREAS[area]
    company, role, pct = rng.choice(COMPANIES), rng.choice(ROLES), rng.choice([3, 5, 8, 12, 15, 20, 30])
    methods, risks = _pick(rng, METHODS, 4), _pick(rng, RISKS, 3)
    kind = rng.choice(["ml_system_design", "analytics_experimentation", "product_strategy", "behavioral"])
    if kind == "ml_system_design":
        model, challenge = rng.choice(MODELS), rng.choice(CHALLENGES)
        title = f"{area.title()} model with {challenge}"
        text = (f"Design a system at {company} that predicts which {unit}s in {area} need attention. "
                f"How would you handle {challenge}?")
        sections = {
            "Problem framing": f"Predict per {unit} for {users}; optimise {metric} while holding {guardrail}.",
            "Model": f"Start with a baseline, then {model}; use {methods[0]} and {methods[1]}.",
            f"Handling {challenge}": f"Apply {methods[2]}; validate on a time-based split; watch {risks[0]}.",
            "Serving and monitoring": f"Batch features daily and stream the last hour; alert on drift in {metric}; "
                                      f"add {methods[3]} for reviewers.",
        }
    elif kind == "analytics_experimentation":
        change = rng.choice(CHANGES)
        title = f"Testing {change} in {area}"
        text = (f"How would you A/B test {change} in {area} at {company}? The team expects a {pct}% lift "
                f"in {metric}.")
        sections = {
            "Metrics": f"Primary: {metric}. Guardrail: {guardrail}. Diagnostic: {unit}s per {users[:-1]}.",
            "Design": f"Randomise by {users[:-1]}; compute power for a {pct}% lift; run whole weeks; "
                      f"use {methods[0]}.",
            "Pitfalls": f"Check for {risks[0]} and {risks[1]}; use {methods[1]} when randomisation leaks.",
            "Decision": f"Ship if {metric} rises and {guardrail} holds; otherwise segment and iterate.",
        }
    elif kind == "product_strategy":
        title = f"{metric.capitalize()} down {pct}% in {area}"
        text = (f"{company} sees {metric} in {area} drop {pct}% week over week. How would you investigate, "
                f"and what would you build next?")
        sections = {
            "Clarify": f"Confirm the metric definition, logging changes and whether {guardrail} moved too.",
            "Diagnose": f"Segment by platform, region and cohort of {users}; look for {risks[0]}; "
                        f"use {methods[0]}.",
            "Hypotheses": f"Supply change, a release, seasonality, or competition for {users}.",
            "Strategy": f"Prioritise fixes by reach and effort; measure with {methods[1]}; mind {risks[1]}.",
        }
    else:
        situation = rng.choice(SITUATIONS)
        title = f"A time you {situation}"
        text = f"Tell me about a time you {situation}, working on {area} at {company}."
        sections = {
            "Situation": f"The {area} team at {company} saw {metric} fall {pct}% before a launch.",
            "Task": "I owned the analysis and had to recommend a decision within two weeks.",
            "Action": f"I used {methods[0]}, reviewed {risks[0]} with engineering, and wrote the decision memo.",
            "Result": f"{metric.capitalize()} recovered by {pct // 2 + 1}% and the method became the team default.",
        }
    reference = "\n".join(f"{name}:\n- {body}" for name, body in sections.items())
    return {"title": title, "question": text, "reference_answer": reference, "key_points": list(sections),
            "company": company, "role": role, "category": kind, "difficulty": rng.choice(DIFFICULTIES),
            "topic": area}


def write_banks(out: Path, questions: int, per_file: int = 1000, seed: int = 7, first: int = 0) -> list[Path]:
    """JSON bank files of `per_file` questions each (under the 5 MB file limit), questions `first`..`questions-1`."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for start in range(first, questions, per_file):
        items = [question(i, seed) for i in range(start, min(questions, start + per_file))]
        path = out / f"synthetic-{start:05d}.json"
        path.write_text(json.dumps({"questions": items}, ensure_ascii=False, indent=1), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=10_000, help="how many questions (default 10000)")
    parser.add_argument("--per-file", type=int, default=1000, help="questions per bank file (default 1000)")
    parser.add_argument("--seed", type=int, default=7, help="generator seed")
    parser.add_argument("--out", type=Path, required=True, help="directory for the bank files")
    args = parser.parse_args()
    paths = write_banks(args.out, args.questions, args.per_file, args.seed)
    print(f"wrote {args.questions} questions in {len(paths)} files to {args.out}")


if __name__ == "__main__":
    main()
