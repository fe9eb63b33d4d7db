"""The grading policy as typed data: every weight, threshold and cap of the grounded grader, from one YAML file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, field_validator

POLICY_FILE = Path(__file__).resolve().parents[2] / "prompts" / "grading" / "policy.yaml"
SIGNALS = frozenset({"coverage", "content", "quantified", "ownership", "structure"})


class Evidence(BaseModel):
    new_words_for_zero: int = Field(ge=0)
    new_words_for_full: int = Field(ge=1)
    covered_at: float = Field(gt=0, le=1)
    near_miss_credit: float = Field(ge=0, le=1)
    plain_sentence_weight: float = Field(ge=0, le=1)
    points_per_sentence: int = Field(ge=1)
    question_share: float = Field(ge=0, le=1)
    specific_lo: float = Field(ge=0, le=1)
    specific_hi: float = Field(gt=0, le=1)
    opening_sentences: int = Field(ge=0)
    opening_situation: float = Field(ge=0, le=1)


class KindWeights(BaseModel):
    weight: float = Field(ge=0)
    relatedness_weight: float = Field(ge=0)
    related_lo: float
    related_hi: float
    main_topic_lo: float
    main_topic_hi: float


class ContentPoints(BaseModel):
    semantic_lo: float
    semantic_hi: float
    ask_lo: float
    ask_hi: float
    lexical_full: int = Field(ge=1)
    semantic_weight: float = Field(ge=0)
    lexical_weight: float = Field(ge=0)
    design_kinds: list[str]


class CoveragePolicy(BaseModel):
    prompt_importance: float = Field(ge=1)
    expected_points: float = Field(gt=0)
    min_expected_share: float = Field(gt=0, le=1)
    part_switch_margin: float = Field(ge=0)


class Specificity(BaseModel):
    floor: float = Field(ge=0, le=1)
    reference_words_full: int = Field(ge=1)


class OverallPolicy(BaseModel):
    curve: float = Field(gt=0)
    substance_base: float = Field(ge=0, le=100)
    substance_coverage: float = Field(ge=0)
    substance_content: float = Field(ge=0)
    substance_coverage_short: float = Field(ge=0)
    substance_content_short: float = Field(ge=0)


class LLMChecks(BaseModel):
    kind_min: float = Field(ge=0, le=1)
    related_min: float = Field(ge=0, le=1)
    content_min: float = Field(ge=0, le=1)


class Caps(BaseModel):
    non_answer: int = Field(ge=0, le=100)
    off_topic: int = Field(ge=0, le=100)
    keyword_list: int = Field(ge=0, le=100)
    too_short: int = Field(ge=0, le=100)
    injection_penalty: int = Field(ge=0, le=100)
    padding_share: float = Field(ge=0, le=1)


class LengthRule(BaseModel):
    words: int = Field(ge=0)
    reference_share: float = Field(ge=0, le=1)


class NonAnswerRule(BaseModel):
    new_words: int = Field(ge=0)
    reference_share: float = Field(ge=0, le=1)
    declined_words: int = Field(ge=0)
    content_below: float = Field(ge=0, le=1)
    declined_p: float = Field(ge=0, le=1)
    declined_min_words: int = Field(ge=1)


class OffTopicRule(BaseModel):
    coverage_below: float = Field(ge=0, le=1)
    own_below: float
    own_below_given: float
    unrelated_below: float
    content_given: float = Field(ge=0, le=1)
    other_margin: float
    sibling_above: float = Field(ge=0, le=1)


class KeywordListRule(BaseModel):
    min_items: int = Field(ge=2)
    bare_share: float = Field(gt=0, le=1)


class GradingPolicy(BaseModel):
    """The whole policy; `measures` maps each rubric measure to its signal weights."""

    evidence: Evidence
    kinds: KindWeights
    content_points: ContentPoints
    coverage: CoveragePolicy
    measures: dict[str, dict[str, float]]
    specificity: Specificity
    expected_with_length: list[str]
    overall: OverallPolicy
    llm: LLMChecks
    caps: Caps
    too_short: LengthRule
    non_answer: NonAnswerRule
    off_topic: OffTopicRule
    keyword_list: KeywordListRule

    @field_validator("measures")
    @classmethod
    def _known_signals(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for measure, recipe in value.items():
            unknown = [s for s in recipe if s not in SIGNALS and not s.startswith("kind.")]
            if unknown or not recipe:
                raise ValueError(f"measure {measure!r}: unknown signals {unknown}" if unknown else
                                 f"measure {measure!r} has no signals")
        return value

    def flag_text(self, flag: str, language: str = "") -> str:
        """What a flag means to a candidate, with the cap it applied (`language`: see `Grade.language`)."""
        caps = self.caps
        said, _, expected = language.partition("/")
        written = f"in {said}, not in {expected} like the question's reference" if expected else \
            "in another language than the question's reference"
        texts = {
            "suspected_injection": f"Suspected prompt injection: text addressed to the grader was ignored, and "
                                   f"{caps.injection_penalty} points were deducted.",
            "off_topic": f"Off topic: the answer does not address what this question asks, so the score was capped "
                         f"at {caps.off_topic}.",
            "non_answer": f"Non-answer: the reply did not attempt the question, so the score was capped at "
                          f"{caps.non_answer}.",
            "too_short": f"Too short for what the question asks (under {self.too_short.words} substantive words, or "
                         f"under {self.too_short.reference_share:.0%} of the reference's), so the score was capped at "
                         f"{caps.too_short}.",
            "padding": f"Padding: over {caps.padding_share:.0%} of the sentences repeated others; each counted once.",
            "keyword_list": f"Keyword list: a list of terms without explanation earns at most {caps.keyword_list}.",
            "language": f"Language: the answer is written {written}. The offline grader compares meaning in the "
                        f"reference's language, so this score counts only what it could match (terms, numbers, code) "
                        f"and says nothing of the rest; no length or off-topic cap was applied. Answer in "
                        f"{expected or 'that language'} for a full grade.",
        }
        return texts.get(flag, flag.replace("_", " ").capitalize())


@lru_cache(maxsize=4)
def load_policy(path: Path = POLICY_FILE) -> GradingPolicy:
    """The policy in `path`; a malformed file is an error naming it."""
    try:
        return GradingPolicy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ValueError(f"{path}: invalid grading policy: {exc}") from exc
