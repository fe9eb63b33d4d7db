"""Follow-up wording: varied, no repeats, and never a run of eight reference words."""

from __future__ import annotations

from bot.domain.models import Question
from bot.domain.policy import Target
from bot.interview.phraser import TemplatePhraser
from bot.interview.phrasing import follow_up, shared_run, topic_of

QUESTION = Question.build(source_file="b.md", title="Fraud", question="Design a fraud detection system.",
                          reference_answer="We tune the decision threshold on the precision recall curve for rare "
                                           "fraud cases every single week.")


def test_shared_run_finds_reference_runs_but_not_the_question() -> None:
    assert shared_run("tune the decision threshold on the precision recall curve", QUESTION.reference_answer)
    assert shared_run("how would you tune it?", QUESTION.reference_answer) is None
    echo = "Design a fraud detection system the way the reference does it"
    assert shared_run(echo, "Design a fraud detection system the way the reference does it", question=echo) is None


def test_template_phraser_shortens_a_label_that_would_leak() -> None:
    label = "Tune the decision threshold on the precision recall curve for rare fraud cases"
    text = TemplatePhraser().follow_up(QUESTION, Target(kind="key_point", key=label, label=label), "", [], "s")
    assert shared_run(text, QUESTION.reference_answer, question=QUESTION.question) is None
    assert "tune the decision threshold" in text.lower()


def test_follow_ups_vary_and_topics_read_naturally() -> None:
    target = Target(kind="key_point", key="k", label="Imbalanced Dataset Handling: SMOTE; class weights")
    first = follow_up(target, "seed", [])
    second = follow_up(target, "seed", [first])
    assert first != second
    assert topic_of(target) == "imbalanced dataset handling"
