"""Bank parsers: the 32 seed questions (titles, metadata, sections, traps) and the user formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.domain.categories import classify_category, normalize_category
from bot.domain.models import CATEGORIES, Question, stable_id
from bot.ingest.loader import load_bank_file, load_banks
from bot.ingest.sections import key_points_from_sections, split_sections, unglue_headings

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
F000, F001, F002, F003, F004 = (
    "000_25f4e66433493a5d.txt",
    "001_e616851a7bef9747.txt",
    "002_f35688db41a66a1b.txt",
    "003_e0614c47990e17c3.txt",
    "004_0f48af8e11faa377.txt",
)
TITLES = {
    F000: [
        "Advanced Fraud Detection System Design (Amazon Payments/Retail)",
        "Prime Video Content Pre-Launch Experiment Design",
        "Supply Chain Demand Forecasting with External Shocks",
        "Alexa Natural Language Understanding with Fairness Constraints",
        "Customer Lifetime Value Prediction with Causal Inference",
        "AWS SageMaker Model Deployment and Monitoring at Scale",
        "Pricing Optimization with Competitive Intelligence",
        "Multi-Modal Deep Learning for Visual Search",
        "Leadership Principles: Data-Driven Decision Making Under Ambiguity",
        "Cross-Functional Analytics: Prime Video Content ROI Analysis",
    ],
    F001: ["Demonstrate invent-and-simplify and customer communication"],
    F002: ["Calculate the customer lifetime value (CLV) of Amazon customers"],
    F003: [
        "Design a Machine Learning System to Predict Demand Across 10,000+ Walmart Stores with Varying Characteristics",
        "Design a Fraud Detection System at Scale to Flag Suspicious Transactions Across Millions of Daily "
        "Transactions",
        "Design a Product Recommendation Engine for Walmart’s E-Commerce Platform at Scale",
        "Design an A/B Testing Framework for Validating a New Dynamic Pricing Strategy",
        "Build a Customer Lifetime Value (CLV) Prediction System with Optimal Retention Strategy",
        "Design an Inventory Anomaly Detection System to Predict Stockouts in Real-Time",
        "Design a Data Quality Validation Framework for Multi-Store POS Systems",
        "Optimize Walmart’s Markdown Strategy Using Statistical Methods and ML",
        "Design a Customer Segmentation System with RFM and Behavioral Cohorts",
        "Walk Through Your Production ML System Experience with Model Monitoring",
    ],
    F004: [
        "Cross-Functional Stakeholder Alignment at Scale (Principal PM Level)",
        "AWS Technical Product Lifecycle Deep Dive (PM-T Role)",
        "Amazon Prime Video Content Strategy and Business Model",
        "Marketplace Trust & Safety at Global Scale",
        "Data-Driven Decision Making Under Extreme Uncertainty",
        "Alexa Voice Assistant Product Innovation Strategy",
        "AWS Cost Optimization and Business Model Evolution",
        "Cross-Business Unit Leadership and Influence",
        "Amazon Advertising Product Strategy and Technical Implementation",
        "Long-Term Vision and Strategic Trade-offs",
    ],
}
BEHAVIORAL = {
    (F000, 8),
    (F001, 0),
    (F003, 9),
    (F004, 0),
    (F004, 4),
    (F004, 7),
}


@pytest.fixture(scope="module")
def seeds() -> dict[str, list[Question]]:
    result = load_banks([SEEDS])
    assert result.errors == [] and result.warnings == []
    by_file: dict[str, list[Question]] = {}
    for question in result.questions:
        by_file.setdefault(question.source_file, []).append(question)
    return by_file


def test_all_32_seed_questions_have_the_right_titles(seeds: dict[str, list[Question]]) -> None:
    assert {name: [q.title for q in qs] for name, qs in seeds.items()} == TITLES
    assert sum(len(qs) for qs in seeds.values()) == 32


def test_seed_questions_are_well_formed(seeds: dict[str, list[Question]]) -> None:
    questions = [q for qs in seeds.values() for q in qs]
    assert len({q.id for q in questions}) == 32
    for q in questions:
        assert q.id == stable_id(q.source_file, q.question.strip())
        assert q.category in CATEGORIES
        assert q.company in ("Amazon", "Walmart")
        assert q.role and q.reference_answer and q.sections and q.key_points
        assert not q.question.startswith(("“", '"')) and not q.question.endswith(("”", '"'))
        assert all(len(point) <= 200 for point in q.key_points)
        assert "/" not in q.source_file


def test_000_metadata_sections_and_key_points(seeds: dict[str, list[Question]]) -> None:
    fraud, alexa = seeds[F000][0], seeds[F000][3]
    assert (fraud.company, fraud.role, fraud.level, fraud.difficulty) == (
        "Amazon",
        "Data Scientist",
        "L5-L6 Data Scientist",
        "hard",
    )
    assert fraud.topic == "Advanced Analytics & Machine Learning"
    assert fraud.question.startswith("Design a comprehensive fraud detection system for Amazon’s marketplace")
    assert "Imbalanced Dataset Handling: SMOTE; cost-sensitive learning; threshold optimization; ensemble methods" in (
        fraud.key_points
    )
    titles = [s.title for s in fraud.sections]
    assert titles[0] == "System Architecture — Real-Time Detection Pipeline"
    assert "Risk Mitigation" in titles  # heading glued to the end of a code line by the PDF export
    code = next(s for s in fraud.sections if s.title == "Technical Implementation")
    assert "XGBClassifier" in code.text and "Risk Mitigation" not in code.text
    assert (alexa.role, alexa.difficulty, alexa.level) == (
        "Applied Scientist",
        "hard",
        "L5 Applied Scientist/Senior Data Scientist",
    )
    assert seeds[F000][2].difficulty == "very hard"  # L6-L7 without a stated difficulty
    assert seeds[F000][1].topic == "Content & Experimentation Analytics"
    assert "Content & Experimentation Analytics" not in fraud.reference_answer  # topic heading not in the answer


def test_001_header_and_star_sections(seeds: dict[str, list[Question]]) -> None:
    (q,) = seeds[F001]
    assert (q.company, q.role, q.difficulty, q.interview_round, q.topic, q.category) == (
        "Amazon",
        "Data Scientist",
        "medium",
        "Technical Screen",
        "Behavioral & Leadership",
        "behavioral",
    )
    assert q.question.startswith("Provide two concise STAR stories:")
    assert "1) Invent and Simplify" in q.question and "2) Difficult customer communication" in q.question
    assert "Quick Answer" not in q.question and "Company:" not in q.question
    titles = [s.title for s in q.sections]
    for story in ("Invent and Simplify", "Difficult Customer Communication"):
        for part in ("Situation", "Task", "Action", "Results"):
            assert f"{story} — {part}" in titles
    assert "Difficult Customer Communication — Email/recap snippet I would send" in titles
    action = next(s for s in q.sections if s.title == "Invent and Simplify — Action")
    assert "Before flow" in action.text and "Hardest constraint" in action.text
    assert any(p.startswith("Invent and Simplify — Results: p50 time-to-result; error rate") for p in q.key_points)


def test_002_transcript_turns_and_follow_ups(seeds: dict[str, list[Question]]) -> None:
    (q,) = seeds[F002]
    assert q.question == "How would you calculate the customer lifetime value (CLV) of Amazon customers?"
    assert (q.company, q.role) == ("Amazon", "Data Scientist")
    assert q.category in ("analytics_experimentation", "ml_system_design")
    assert len(q.follow_ups) == 8
    assert q.follow_ups[0].startswith("They are all reasonable assumptions about CLV.")
    assert q.follow_ups[-1] == "Great. Now, let’s talk about productionization. How would you deploy your model?"
    assert len(q.sections) == 9
    assert q.sections[0].text.startswith("Before talking about the solution")
    assert [s.title for s in q.sections][-2:] == ["Granularity", "Productionization"]
    assert "[Interviewer]" not in q.reference_answer and "[Candidate]" not in q.reference_answer
    assert "Lasso model" in q.reference_answer and "How would you deploy" not in q.reference_answer


def test_003_glued_question_headers_are_split_off_code(seeds: dict[str, list[Question]]) -> None:
    qs = seeds[F003]
    assert qs[1].reference_answer.endswith("'BLOCK' }")
    assert qs[2].reference_answer.endswith("return selected")
    assert qs[4].reference_answer.endswith("return customer_df")
    assert all("Design a Product Recommendation Engine" not in q.reference_answer for q in qs)
    first = qs[0]
    assert (first.company, first.role, first.difficulty) == ("Walmart", "Data Scientist", "extreme")
    assert first.level == "Senior Data Scientist, Staff Data Scientist"
    assert first.team == "Supply Chain Analytics, Inventory Optimization, Demand Forecasting"
    assert first.source.startswith("LinkedIn article on Data Scientists at Walmart")
    assert first.interview_round.startswith("On-site technical round (45-60 minutes)")
    assert [q.difficulty for q in qs] == ["extreme"] * 3 + ["very hard"] * 3 + ["hard", "very hard", "hard", "hard"]
    code = next(s for s in first.sections if s.title == "Code — Feature Engineering Pipeline (PySpark)")
    assert "class DemandFeatureEngineer:" in code.text  # CamelCase identifiers are not mistaken for headings
    assert "Scalability & Performance" in [s.title for s in first.sections]


def test_004_inner_numbered_lists_are_not_questions(seeds: dict[str, list[Question]]) -> None:
    qs = seeds[F004]
    aws = qs[6]
    assert "1. AWS Cost Intelligence Suite:" in aws.reference_answer
    assert "2. Commitment-Based Savings Programs:" in aws.reference_answer
    assert "Multi-Tiered Pricing Innovation — AWS Cost Intelligence Suite" in [s.title for s in aws.sections]
    assert (aws.role, aws.level, aws.difficulty) == ("Product Manager", "L6+ Senior Product Manager", "very hard")
    assert qs[0].topic == "Cross-Functional Leadership & Stakeholder Management"
    assert qs[9].topic == "Healthcare & New Market Expansion"
    assert qs[1].level == "L5-L6 Product Manager-Technical" and qs[1].difficulty == "hard"


def test_seed_categories(seeds: dict[str, list[Question]]) -> None:
    for name, qs in seeds.items():
        for n, q in enumerate(qs):
            assert (q.category == "behavioral") == ((name, n) in BEHAVIORAL), q.title
    assert {q.category for q in seeds[F004] if q.category != "behavioral"} == {"product_strategy"}
    assert [seeds[F000][n].category for n in (1, 4, 9)] == ["analytics_experimentation"] * 3
    assert [seeds[F000][n].category for n in (0, 2, 3, 5, 7)] == ["ml_system_design"] * 5
    assert seeds[F003][3].category == "analytics_experimentation"


def test_classify_and_normalize_category() -> None:
    assert classify_category("", "Conflict", "Tell me about a time you disagreed with a peer.") == "behavioral"
    assert classify_category("", "Feed", "Design a machine learning system to rank the feed.") == "ml_system_design"
    assert classify_category("", "Checkout test", "How would you design an A/B test for checkout?") == (
        "analytics_experimentation"
    )
    assert classify_category("Strategy", "Launch", "What go-to-market strategy would you pick?") == "product_strategy"
    assert normalize_category("ML System Design") == "ml_system_design"
    assert normalize_category("Behavioral & Leadership") == ""


def test_split_sections_and_key_points() -> None:
    text = (
        "Candidate generation:\n- Retrieval: two-tower model (ANN)\n- Filtering: integrity rules\n"
        "Serving\nStack:\n- Cache: Redis for hot items\nreturn scoresRanking Model:\n- Model: multi-task DNN"
    )
    sections = split_sections(text)
    assert [s.title for s in sections] == ["Candidate generation", "Serving — Stack", "Ranking Model"]
    assert sections[1].text == "- Cache: Redis for hot items\nreturn scores"
    assert key_points_from_sections(sections) == [
        "Candidate generation: retrieval; filtering",
        "Serving — Stack: cache",
        "Ranking Model: model",
    ]
    assert unglue_headings("return lossProduction Deployment:") == "return loss\nProduction Deployment:"
    assert unglue_headings("class ContrastiveLoss(nn.Module):") == "class ContrastiveLoss(nn.Module):"


def test_markdown_bank(tmp_path: Path) -> None:
    path = tmp_path / "bank.md"
    path.write_text(
        "# Google Data Scientist\n\n## 1. Search ranking experiment\nDifficulty: Hard\n**Level:** L5\n"
        "Question: How would you A/B test a new\nsearch ranking change?\nAnswer:\n### Hypothesis and metrics\n"
        "- Primary metric: Click-through rate\n- Guardrails: Latency\n### Analysis\nA t-test with CUPED.\n"
        "```python\n# Compute lift\nlift = t.mean() - c.mean()\n```\nFollow-ups:\n- What if the metric is a ratio?\n\n"
        "## Conflict\nRole: Product Manager\nCompany: Meta\nQuestion: Tell me about a time you disagreed.\n"
        "Answer: I listened first.\nKey points:\n- Listen first\n- Commit once decided\n",
        encoding="utf-8",
    )
    first, second = load_bank_file(path)
    assert (first.title, first.company, first.role, first.difficulty, first.level) == (
        "Search ranking experiment",
        "Google",
        "Data Scientist",
        "hard",
        "L5",
    )
    assert first.question == "How would you A/B test a new\nsearch ranking change?"
    assert [s.title for s in first.sections] == ["Hypothesis and metrics", "Analysis"]
    assert "# Compute lift" in first.sections[1].text
    assert first.key_points[0] == "Hypothesis and metrics: primary metric; guardrails"
    assert first.follow_ups == ["What if the metric is a ratio?"]
    assert first.category == "analytics_experimentation" and first.source_file == "bank.md"
    assert (second.company, second.role, second.category) == ("Meta", "Product Manager", "behavioral")
    assert second.reference_answer == "I listened first." and second.key_points == [
        "Listen first",
        "Commit once decided",
    ]


@pytest.mark.parametrize("name", ["bank.txt", "bank.md"])
def test_plain_numbered_bank_in_the_seed_style(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(
        "Google Data Analyst\nSQL & Metrics\n1. Daily active users (DAU)\nLevel: L4 Data Analyst\n"
        "Question: “Write a query for DAU.”\nAnswer:\nApproach:\n- Distinct users: count per day\n"
        "1. Note: this numbered line is part of the answer\nQuestion: not a header here\n"
        "2. Retention drop\nLevel: L6 Senior Data Scientist\nQuestion: Why did retention drop?\n"
        "Answer:\n- Segment it\n",
        encoding="utf-8",
    )
    first, second = load_bank_file(path)
    assert (first.title, first.company, first.role, first.difficulty, first.topic) == (
        "Daily active users (DAU)",
        "Google",
        "Data Analyst",
        "medium",
        "SQL & Metrics",
    )
    assert first.question == "Write a query for DAU."
    assert "1. Note: this numbered line" in first.reference_answer
    assert (second.title, second.role, second.difficulty) == ("Retention drop", "Data Scientist", "very hard")


def test_json_bank_ignores_ids_and_keeps_key_points(tmp_path: Path) -> None:
    path = tmp_path / "bank.json"
    items = [
        {
            "id": "mine",
            "title": "Feed ranking",
            "question": "Design a feed ranking system.",
            "answer": "Candidate generation:\n- Retrieval: two-tower model\nRanking:\n- Model: multi-task DNN",
            "difficulty": "Very Hard",
            "follow_ups": ["How do you handle cold start?"],
        },
        {"question": "What metrics would you track for Reels?", "key_points": ["engagement", "retention"]},
    ]
    path.write_text(json.dumps({"company": "Meta", "questions": items}), encoding="utf-8")
    feed, reels = load_bank_file(path)
    assert feed.id == stable_id("bank.json", "Design a feed ranking system.") != "mine"
    assert (feed.company, feed.difficulty, feed.category) == ("Meta", "very hard", "ml_system_design")
    assert [s.title for s in feed.sections] == ["Candidate generation", "Ranking"]
    assert feed.key_points == ["Candidate generation: retrieval", "Ranking: model"]
    assert feed.follow_ups == ["How do you handle cold start?"]
    assert reels.title == "What metrics would you track for Reels"
    assert reels.key_points == ["engagement", "retention"] and reels.category == "analytics_experimentation"


def test_yaml_bank(tmp_path: Path) -> None:
    path = tmp_path / "bank.yml"
    path.write_text(
        "questions:\n- title: Churn model\n  question: Build a churn prediction model for a subscription app.\n"
        "  reference_answer: |\n    Framing:\n    - Label: churn within 30 days\n  role: Senior Data Scientist\n"
        "  level: L4\n  category: ML System Design\n  sections:\n  - title: Framing\n    text: Label churn.\n",
        encoding="utf-8",
    )
    (q,) = load_bank_file(path)
    assert (q.title, q.role, q.difficulty, q.category) == (
        "Churn model",
        "Data Scientist",
        "medium",
        "ml_system_design",
    )
    assert [(s.title, s.text) for s in q.sections] == [("Framing", "Label churn.")]


def test_csv_bank(tmp_path: Path) -> None:
    path = tmp_path / "bank.csv"
    path.write_text(
        "Title,Question,Answer,Key Points,Company,Interview Round\n"
        'DAU,"Write a query for DAU.","Approach:\n- Count distinct users","distinct users; date filter\nindex",'
        "Amazon,Phone screen\n",
        encoding="utf-8",
    )
    (q,) = load_bank_file(path)
    assert (q.title, q.company, q.interview_round) == ("DAU", "Amazon", "Phone screen")
    assert q.key_points == ["distinct users", "date filter", "index"]
    assert [s.title for s in q.sections] == ["Approach"]
