"""Classify a question into one of the product's categories from its topic, title and text (pure keyword rules)."""

from __future__ import annotations

import re

from bot.domain.models import CATEGORIES

BEHAVIORAL_PROMPT = re.compile(
    r"\btell me about (?:a|an|the|one|your)\b|\bdescribe (?:a|an) (?:time|situation|project|instance|occasion|moment)\b"
    r"|\bgive (?:me )?an example of\b|\bwalk me through your (?:experience|career|background|biggest)\b"
    r"|\bhave you ever\b|\bstar stor(?:y|ies)\b|\ba time (?:when )?you\b|\bleadership principles?\b",
    re.IGNORECASE,
)
BEHAVIORAL_TOPIC = re.compile(r"\bbehaviou?ral\b", re.IGNORECASE)
DESIGN_SYSTEM = re.compile(
    r"\b(?:design|build|architect)\s+(?:a|an|the)\b[^.?]{0,60}?\b(?:system|pipeline|algorithm|model|engine)\b",
    re.IGNORECASE,
)
# fmt: off
KEYWORDS: dict[str, tuple[str, ...]] = {
    "analytics_experimentation": (
        "a/b test", "ab test", "experiment", "causal", "causation", "hypothesis", "statistical", "roi",
        "return on investment", "attribution", "metric", "measure", "lifetime value", "clv", "cohort",
        "segmentation", "analytics", "analysis", "difference-in-differences", "sample size", "incremental",
        "uplift", "calculate", "funnel", "significance", "sql", "dashboard",
    ),
    "ml_system_design": (
        "machine learning", "ml ", "mlops", "model", "pipeline", "deep learning", "neural", "architect", "system",
        "predict", "forecast", "detection", "recommendation", "deploy", "real-time", "inference", "nlp",
        "computer vision", "algorithm", "anomaly", "classifier", "embedding", "feature engineering",
    ),
    "product_strategy": (
        "strategy", "strategic", "go-to-market", "pricing model", "business model", "product manager", "as pm",
        "as a pm", "launch", "market", "competitive", "competing", "product", "capability", "vision",
        "roadmap", "monetiz", "growth", "stakeholder", "opportunity", "pm-t", "prioritiz",
    ),
}
# fmt: on
ALIASES = {
    "behavioral": "behavioral",
    "behavioural": "behavioral",
    "ml_system_design": "ml_system_design",
    "ml_design": "ml_system_design",
    "system_design": "ml_system_design",
    "machine_learning_system_design": "ml_system_design",
    "ml": "ml_system_design",
    "analytics_experimentation": "analytics_experimentation",
    "analytics": "analytics_experimentation",
    "experimentation": "analytics_experimentation",
    "analytics_and_experimentation": "analytics_experimentation",
    "ab_testing": "analytics_experimentation",
    "product_strategy": "product_strategy",
    "product": "product_strategy",
    "strategy": "product_strategy",
    "product_sense": "product_strategy",
}
DEFAULT = "analytics_experimentation"


def normalize_category(value: str) -> str:
    """The category key a user wrote ("ML System Design", "behavioral" …), or "" when it is not one of them."""
    key = re.sub(r"[^a-z0-9]+", "_", value.lower().replace("/", "")).strip("_")
    return ALIASES.get(key, "")


def _score(text: str, words: tuple[str, ...]) -> int:
    return sum(1 for word in words if word in text)


def category_scores(topic: str, title: str, question: str) -> dict[str, int]:
    """Keyword score per non-behavioral category (topic and title count double)."""
    fields = ((topic.lower(), 2), (title.lower(), 2), (question.lower() + " ", 1))
    scores = {cat: sum(_score(text, words) * weight for text, weight in fields) for cat, words in KEYWORDS.items()}
    if DESIGN_SYSTEM.search(title) or DESIGN_SYSTEM.search(question):
        scores["ml_system_design"] += 3
    return scores


def classify_category(topic: str, title: str, question: str) -> str:
    """One of CATEGORIES: behavioral prompts first, else the best keyword score (ties: ML, analytics, product)."""
    if BEHAVIORAL_TOPIC.search(topic) or BEHAVIORAL_PROMPT.search(question) or BEHAVIORAL_PROMPT.search(title):
        return "behavioral"
    scores = category_scores(topic, title, question)
    best = max(scores.values())
    if best == 0:
        return DEFAULT
    order = ("ml_system_design", "analytics_experimentation", "product_strategy")
    return next(cat for cat in order if scores[cat] == best and cat in CATEGORIES)
