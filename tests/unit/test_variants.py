"""Question variants: the grounded rewrites per axis, the quality gates, review edits, the LLM engine and saving."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from bot.domain.models import AnswerSection, Question
from bot.grading.grounded import GroundedGrader
from bot.grading.service import GradingService, QuestionNotFound
from bot.ingest.loader import load_bank_file
from bot.ingest.parsers import company_from_text
from bot.ingest.pipeline import ingest
from bot.retrieval.store import ChromaStore
from bot.variants.bank import save_variants
from bot.variants.gates import apply_gates
from bot.variants.grounded import GroundedGenerator
from bot.variants.lexicon import default_lexicon
from bot.variants.llm import LLMVariantGenerator
from bot.variants.models import AXES, OutlinePoint, Provenance, UnknownAxis, Variant, parse_axes
from bot.variants.review import RecruiterState, edited, parse_outline
from bot.variants.rewrite import core_ask, swap_brands, swap_entities, task_of, tidy
from bot.variants.service import VariantService
from tests.fakes import HashingEmbedder, ScriptedChatModel

FRAUD = Question.build(
    source_file="bank.md", title="Fraud detection (Amazon)", company="Amazon", role="Data Scientist",
    category="ml_system_design", difficulty="hard",
    question="Design a comprehensive fraud detection system for Amazon’s marketplace that can identify both buyer "
             "and seller fraud in real-time (sub-100ms latency). How would you handle the imbalanced dataset "
             "problem and explain your model decisions to legal teams?",
    reference_answer="…",
    sections=[
        AnswerSection(title="Imbalanced Dataset Handling", text="- SMOTE oversampling of the minority class\n"
                      "- Cost-sensitive learning with class weights\n- Threshold tuning on precision-recall curves"),
        AnswerSection(title="Explainability", text="- SHAP values for analysts\n- Reason codes for Amazon legal "
                      "teams and sellers\n- An audit trail of every decision"),
        AnswerSection(title="Streaming Architecture", text="- Kafka streams of marketplace transactions feed a "
                      "feature store\n- Decisions under 100 ms"),
        AnswerSection(title="Code — Scoring service", text="import numpy as np\nscore = model.predict(x)"),
    ],
)
STORY = Question.build(
    source_file="bank.md", title="Decision under ambiguity", company="Amazon", category="behavioral",
    difficulty="hard",
    question="Tell me about a time when you had to make a critical data-driven decision with incomplete "
             "information. How did you quantify uncertainty and communicate risks to stakeholders?",
    sections=[AnswerSection(title="Situation", text="Only three weeks of A/B data before the holiday season."),
              AnswerSection(title="Uncertainty Quantification", text="Bayesian credible intervals; scenarios."),
              AnswerSection(title="Risk Communication", text="An executive summary with a confidence level.")],
)
METRIC = Question.build(
    source_file="bank.md", title="CLV", company="Amazon", category="analytics_experimentation",
    question="How would you calculate the customer lifetime value (CLV) of Amazon customers?",
    sections=[AnswerSection(title="Framing", text="Lifetime horizon, prediction point and customer segment."),
              AnswerSection(title="Model", text="Transaction history, BG/NBD or gradient boosting, MAPE < 10%.")],
)
PARENTS = [FRAUD, STORY, METRIC]
LEXICON = default_lexicon()
HOLE = re.compile(r"[{}]|\[[A-Z_]+\]|\s[,.?]|\.\.|\bNone\b")


def by_axis(parent: Question, seed: int = 0) -> dict[str, Variant]:
    return {v.provenance.axis: v for v in GroundedGenerator().generate(parent, 5, list(AXES), seed)}


@pytest.mark.parametrize("parent", PARENTS, ids=lambda q: q.category)
def test_every_axis_gives_a_new_complete_question_with_an_outline(parent: Question) -> None:
    variants = by_axis(parent)
    assert set(variants) == set(AXES)
    for axis, v in variants.items():
        assert v.question != parent.question and v.provenance.parent_id == parent.id, axis
        assert not HOLE.search(v.question), (axis, v.question)
        assert v.question[0].isupper() and v.question.rstrip()[-1] in ".?", (axis, v.question)
        assert v.outline and all(p.title and p.text for p in v.outline), axis
        assert all("import numpy" not in p.text for p in v.outline)  # code listings never become key points
        assert v.provenance.engine == "grounded" and v.title


def test_domain_swap_leaves_no_trace_of_the_parent_company_in_question_or_outline() -> None:
    variant = by_axis(FRAUD)["domain"]
    setting = next(s for s in LEXICON.settings.values() if s.org in variant.question)
    assert "fraud" in variant.question.lower()  # the problem stays, the setting moves
    everything = variant.question + " ".join(p.line() for p in variant.outline)
    assert "Amazon" not in everything and company_from_text(everything) == ""
    assert "buyer" not in variant.question and setting.customer[0] in variant.question
    explain = next(p for p in variant.outline if p.title == "Explainability")
    assert setting.seller[1] in explain.text  # entity words of the outline moved with the question
    assert variant.company == "" and "Amazon →" in variant.provenance.change


def test_difficulty_moves_up_and_down_with_constraints_added_or_removed() -> None:
    variants = by_axis(FRAUD)
    harder, easier = variants["harder"], variants["easier"]
    assert (harder.difficulty, easier.difficulty) == ("very hard", "medium")
    assert "it must" in harder.question and len(harder.outline) > len(easier.outline)
    added = {p.title for p in harder.outline} - {p.title for p in by_axis(FRAUD)["easier"].outline}
    assert added & {c.point["title"] for c in LEXICON.constraints.values()}
    assert "real-time" not in easier.question and "100ms" not in easier.question
    assert "comprehensive" not in easier.question and len(easier.question) < len(FRAUD.question)


def test_constraint_change_replaces_a_stated_constraint_and_its_key_point() -> None:
    variant = by_axis(FRAUD)["constraint"]
    kind = next(k for k, c in LEXICON.constraints.items() if c.change[1:40] in variant.question)
    assert kind in LEXICON.constraint_kinds(FRAUD.question)  # a constraint the parent states, now different
    assert LEXICON.constraints[kind].relaxed["title"] in {p.title for p in variant.outline}


def test_format_change_moves_between_design_behavioral_and_metric() -> None:
    assert by_axis(FRAUD)["format"].category in {"behavioral", "analytics_experimentation"}
    assert by_axis(STORY)["format"].category in {"ml_system_design", "analytics_experimentation"}
    behavioral = [v for s in range(6) if (v := by_axis(FRAUD, s)["format"]).category == "behavioral"]
    assert behavioral and behavioral[0].question.startswith("Tell me about a time you had to design a fraud")
    assert {p.title for p in behavioral[0].outline} >= {"Situation", "Action", "Result"}


def test_same_seed_same_variants_and_another_seed_moves_the_choices() -> None:
    first, again = by_axis(FRAUD, 3), by_axis(FRAUD, 3)
    assert {a: v.question for a, v in first.items()} == {a: v.question for a, v in again.items()}
    swaps = {by_axis(FRAUD, seed)["domain"].question for seed in range(8)}
    assert len(swaps) >= 3


def test_more_variants_than_axes_are_distinct() -> None:
    variants = GroundedGenerator().generate(FRAUD, 10, ["domain", "harder"])
    assert len({v.question for v in variants}) == len(variants) >= 6


def test_brand_swap_forms() -> None:
    bank = LEXICON.settings["retail_bank"]
    assert swap_brands("Work at Amazon.", ["Amazon"], bank) == "Work at a retail bank."
    assert swap_brands("Amazon customers churn", ["Amazon"], bank) == "a retail bank’s customers churn"
    assert swap_brands("the Amazon marketplace at Amazon-scale", ["Amazon"], bank) == \
        "a retail bank’s marketplace at bank-scale"
    assert swap_brands("Amazon's sellers", ["Amazon"], bank) == "a retail bank's sellers"


def test_entity_swap_is_one_pass_and_spares_protected_phrases() -> None:
    games = LEXICON.settings["mobile_games"]
    text = swap_entities("Buyers on the marketplace use the feature store; Sellers file transactions.", LEXICON, games)
    assert text == "Players on the game store use the feature store; Creators file in-app purchases."
    assert tidy("a online shop .  an bank") == "An online shop. A bank"


def test_core_ask_and_task_reading() -> None:
    assert core_ask("Amazon has a problem with fakes. As PM, how would you fix it? Then what?").endswith("fix it?")
    assert task_of(FRAUD.question) is not None and task_of(FRAUD.question).startswith("design a comprehensive")
    assert task_of(STORY.question) == "make a critical data-driven decision with incomplete information"
    assert task_of("You’re tasked with deploying a model to millions of users.") == \
        "deploy a model to millions of users"
    assert task_of("Our churn went up last quarter.") is None


def test_axes_are_parsed_with_aliases_and_unknown_ones_rejected() -> None:
    assert parse_axes(None) == list(AXES)
    assert parse_axes(["company", "difficulty,format"]) == ["domain", "harder", "easier", "format"]
    with pytest.raises(UnknownAxis, match="sideways"):
        parse_axes(["sideways"])


def variant(question: str, axis: str = "harder") -> Variant:
    return Variant(question=question, outline=[OutlinePoint(title="Point", text="text")], category="behavioral",
                   provenance=Provenance(parent_id=FRAUD.id, axis=axis, engine="grounded"))  # type: ignore[arg-type]


class NearStore:
    """Answers search_questions with one fixed bank question at a fixed cosine."""

    def __init__(self, score: float) -> None:
        self.score = score

    def search_questions(self, vector: np.ndarray, k: int = 5, where: object = None) -> list[tuple[Question, float]]:
        return [(METRIC, self.score)]


def test_gates_drop_copies_off_topic_and_duplicate_variants_and_say_why() -> None:
    embedder = HashingEmbedder()
    near = "Design a fraud detection system for a bank's card payments that can identify cardholder fraud quickly."
    gated = apply_gates(FRAUD, [variant(FRAUD.question), variant("Bake sourdough bread with a rye starter overnight."),
                                variant(near), variant(near + " ")], embedder)
    copy, off, kept, twin = gated
    assert "too close to its parent" in copy.gate.reasons[0]
    assert "off topic" in off.gate.reasons[0]
    assert kept.gate.passed and 0.5 <= kept.gate.parent_cosine < 0.95
    assert "too close to another variant" in twin.gate.reasons[0]
    duplicate = apply_gates(FRAUD, [variant(near)], embedder, NearStore(0.97))[0]
    assert not duplicate.gate.passed and METRIC.id in duplicate.gate.reasons[0]
    assert apply_gates(FRAUD, [variant(near)], embedder, NearStore(0.9))[0].gate.passed


def test_saved_variants_read_back_through_the_bank_parser(tmp_path: Path) -> None:
    variants = GroundedGenerator().generate(FRAUD, 3, ["domain", "easier", "format"])
    saved = save_variants(variants, tmp_path / "variants")
    assert saved.path.name == f"variants-{FRAUD.id}.yaml" and saved.added == 3
    parsed = {q.question: q for q in load_bank_file(saved.path)}
    for v in variants:
        q = parsed[v.question]
        assert [s.title for s in q.sections] == [p.title for p in v.outline]
        assert q.key_points == v.key_points and q.category == v.category and q.difficulty == v.difficulty
        assert q.source.startswith(f"variant of {FRAUD.id}")
    again = save_variants(variants[:1], tmp_path / "variants")
    assert again.added == 0 and len(load_bank_file(saved.path)) == 3  # saving twice does not duplicate


def test_review_applies_edits_to_approved_variants_only() -> None:
    state = RecruiterState()
    gated = apply_gates(FRAUD, GroundedGenerator().generate(FRAUD, 3, ["domain", "harder", "easier"]),
                        HashingEmbedder())
    state.start(FRAUD.id, gated, [], [])
    first, second, third = state.items
    first.decision, second.decision = "approve", "reject"
    first.question = "Design a fraud model for a small online lender. What signals would you use?"
    first.outline = "Signals: device, velocity, bureau data\n- Evaluation: precision at a fixed review budget"
    approved = state.approved()
    assert [v.question for v in approved] == [first.question]
    assert [p.title for p in approved[0].outline] == ["Signals", "Evaluation"]
    assert "edited by a recruiter" in approved[0].provenance.change
    third.decision, third.question = "approve", "short"
    with pytest.raises(ValueError, match="variant 3"):
        state.approved()
    assert parse_outline("no title here at all")[0].text == "no title here at all"
    with pytest.raises(ValueError):
        edited(gated[0].variant, "A fine question about fraud?", "   \n")


def llm_reply(*drafts: dict[str, object]) -> str:
    return json.dumps({"variants": list(drafts)})


def draft(axis: str, question: str) -> dict[str, object]:
    return {"axis": axis, "question": question, "difficulty": "hard", "category": "ml_system_design",
            "outline": [{"title": "Signals", "text": "Velocity and device"}, {"title": "Model", "text": "GBM"}]}


def test_llm_variants_are_validated_and_the_grounded_engine_fills_the_gaps() -> None:
    good = draft("harder", "Design a fraud system for a marketplace that must run across 40 countries with GDPR.")
    hole = draft("easier", "Design a fraud system for {company}.")
    leak = draft("domain", "Design a fraud system for a bank, like the one at Amazon.")
    model = ScriptedChatModel(replies=[llm_reply(good, hole, leak)])
    variants, notes = LLMVariantGenerator(model).generate(FRAUD, [], 3, ["harder", "easier", "domain"])
    assert variants[0].provenance.engine == "llm" and variants[0].question == good["question"]
    assert [v.provenance.engine for v in variants[1:]] == ["grounded", "grounded"]
    assert any("placeholder" in n for n in notes) and any("still names Amazon" in n for n in notes)
    assert "reference answer" in model.prompts[0][1].content.lower()


def test_unusable_llm_replies_fall_back_to_the_grounded_engine() -> None:
    model = ScriptedChatModel(replies=["not json", RuntimeError("down")])
    variants, notes = LLMVariantGenerator(model).generate(FRAUD, [], 2, ["domain", "format"])
    assert len(variants) == 2 and all(v.provenance.engine == "grounded" for v in variants)
    assert "grounded engine generated" in notes[0]


def test_service_resolves_generates_saves_and_ingests_for_grading(tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    store = ChromaStore.open(path=tmp_path / "index", embedder_name=embedder.name, dim=embedder.dim)
    (tmp_path / "bank.json").write_text(json.dumps([{
        "title": FRAUD.title, "company": "Amazon", "category": "ml_system_design", "difficulty": "hard",
        "question": FRAUD.question, "reference_answer": "\n".join(f"{s.title}:\n{s.text}" for s in FRAUD.sections)}]))
    ingest([tmp_path / "bank.json"], store, embedder)
    grading = GradingService(store=store, embedder=embedder, grounded=GroundedGrader(embedder))
    service = VariantService(grading=grading, variants_dir=tmp_path / "variants")
    parent = service.resolve(store.questions()[0].id)
    with pytest.raises(QuestionNotFound, match="give a question id"):
        service.resolve("   ")
    with pytest.raises(ValueError, match="LLM"):
        service.generate(parent, 2, engine="llm")
    result = service.generate(parent, 5)
    assert len(result.kept) + len(result.dropped) == 5 and result.engine == "grounded"
    outcome = service.save([g.variant for g in result.kept])
    assert not outcome.report.errors
    saved = store.question(outcome.saved.questions[0].id)
    assert saved is not None and store.chunks_of(saved.id)
    grade = grading.grade(saved, "I would use cost-sensitive learning with class weights and SMOTE, and tune the "
                                 "threshold on the precision-recall curve; SHAP values explain decisions.")
    assert grade.question_id == saved.id and grade.covered
    assert {c.citation.question_id for c in grade.covered} == {saved.id}
