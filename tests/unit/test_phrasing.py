"""The interviewer's words: grammatical probes for every requirement of every seed question, acknowledgements from
the candidate's own words, no repeats, and never a run of eight reference words."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.models import Question
from bot.domain.policy import Target
from bot.grading.reference import build_reference
from bot.ingest.loader import load_bank_file
from bot.interview import probes
from bot.interview.phraser import TemplatePhraser
from bot.interview.phrasing import acknowledgement, concrete_term, follow_up, grammar_defects, rephrase, shared_run
from bot.variants.grounded import GroundedGenerator

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
QUESTION = Question.build(source_file="b.md", title="Fraud", question="Design a fraud detection system.",
                          reference_answer="We tune the decision threshold on the precision recall curve for rare "
                                           "fraud cases every single week.")


def seed_and_variant_questions() -> list[Question]:
    questions = [q for path in sorted(SEEDS.glob("*.txt")) for q in load_bank_file(path)]
    generator = GroundedGenerator()
    variants = [Question.build(source_file="variants", question=v.question, title=v.title or v.question[:60],
                               category=v.category, reference_answer="\n".join(p.line() for p in v.outline))
                for q in questions[::3] for v in generator.generate(q, n=5, axes=[
                    "domain", "harder", "easier", "constraint", "format"], seed=0)]  # type: ignore[list-item]
    return questions + variants


@pytest.mark.parametrize("question", seed_and_variant_questions(), ids=lambda q: q.id)
def test_every_probe_is_a_grammatical_question(question: Question) -> None:
    for point in build_reference(question, []).points:
        probe = probes.probe_question(point, question.category == "behavioral")
        assert probe.endswith("?") and not grammar_defects(probe), (point.key_point, probe, grammar_defects(probe))
        text = follow_up(Target(kind="key_point", key=point.id, label=probes.topic(point), probe=probe), "s", [],
                         "You mentioned shadow mode.")
        assert not grammar_defects(text), (text, grammar_defects(text))


@pytest.mark.parametrize(("verb", "expected"), [("handle", "handling"), ("build", "building"), ("set", "setting"),
                                                ("quantify", "quantifying"), ("see", "seeing"), ("tie", "tying")])
def test_gerund(verb: str, expected: str) -> None:
    assert probes.gerund(verb) == expected


def test_acknowledgement_picks_a_concrete_term_from_the_answer_not_the_question() -> None:
    avoid = frozenset({"fraud", "detect", "system"})
    assert concrete_term("So I ran it in shadow mode for three weeks before cutover.", avoid) in (
        "shadow mode", "three weeks")
    line = acknowledgement(["Honestly it went fine.", "We used SMOTE and class weights on the fraud labels."],
                           avoid, "seed", warm=True)
    assert "SMOTE" in line or "class weights" in line.lower()
    assert "great" not in acknowledgement(["We used SMOTE and class weights."], avoid, "seed", warm=False).lower()
    said = ["We balanced the labels with SMOTE oversampling.", "Then a BG/NBD baseline beat it."]
    first = acknowledgement(said, avoid, "seed", warm=True)
    again = acknowledgement(said, avoid, "seed", warm=True, used=(first,))
    assert again and again != first and "BG/NBD" in first + again  # a term already picked up is not repeated


def test_hyphenated_names_and_percentiles_are_no_doubled_words() -> None:
    assert not grammar_defects("You fitted a Gamma-Gamma model on P25 P75 spend. What did it predict?")
    assert grammar_defects("What did the the model predict?")


def test_shared_run_finds_reference_runs_but_not_the_question() -> None:
    assert shared_run("tune the decision threshold on the precision recall curve", QUESTION.reference_answer)
    assert shared_run("how would you tune it?", QUESTION.reference_answer) is None
    echo = "Design a fraud detection system the way the reference does it"
    assert shared_run(echo, "Design a fraud detection system the way the reference does it", question=echo) is None


def test_template_phraser_drops_an_acknowledgement_that_would_leak() -> None:
    target = Target(kind="key_point", key="s1", label="thresholds", probe="How would you choose the threshold?")
    leaky = "You mentioned that we tune the decision threshold on the precision recall curve for rare fraud cases."
    text = TemplatePhraser().follow_up(QUESTION, target, "", [], "s", acknowledgement=leaky)
    assert shared_run(text, QUESTION.reference_answer, question=QUESTION.question) is None
    assert text.endswith("how would you choose the threshold?")


def test_follow_ups_vary_their_reason() -> None:
    target = Target(kind="key_point", key="k", label="imbalance", probe="How would you handle the imbalance?")
    first = follow_up(target, "seed", [])
    second = follow_up(target, "seed", [first])
    assert first != second and first.endswith("how would you handle the imbalance?")


def test_rephrase_is_shorter_and_names_what_to_cover() -> None:
    text = rephrase("Design a fraud detection system for a marketplace.", ["handling imbalance", "explainability"])
    assert text.startswith("Let me put it more simply.") and "handling imbalance and explainability" in text


def test_a_transcript_sections_probe_is_the_real_interviewers_question() -> None:
    question = load_bank_file(next(SEEDS.glob("002_*.txt")))[0]
    asked = {p.label: probes.probe_question(p, False) for p in build_reference(question, []).points}
    assert asked["Productionization"] == "How would you deploy your model?"
    assert asked["Variables"] == "What do you believe are relevant signals for predicting the CLV of customers?"


def test_every_rubric_dimension_probe_is_one_grammatical_question() -> None:
    from bot.interview.phrasing import DIMENSION_PROBES

    for key, probe in DIMENSION_PROBES.items():
        assert probe.endswith("?") and not grammar_defects(probe), (key, probe, grammar_defects(probe))
