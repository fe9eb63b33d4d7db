"""The interview policy, as parameter tables."""

from __future__ import annotations

import pytest

from bot.domain.policy import Action, Intent, Target, classify_message, next_action


@pytest.mark.parametrize(("text", "intent"), [
    ("Can I assume we have 3 months of data?", "clarify"),
    ("Are my assumptions valid?", "clarify"),
    ("Just to clarify, is latency or cost the main constraint here?", "clarify"),
    ("Could you give me a hint?", "hint"),
    ("I'm stuck, where should I start?", "hint"),
    ("skip", "skip"),
    ("Next question.", "skip"),
    ("", "skip"),
    ("I would start with a gradient boosted model trained on transaction features, then tune the threshold.",
     "answer"),
    ("I'd frame CLV as 12-month revenue. I'd use RFM features and a gradient boosted regressor, validated on a "
     "time split. The main risk is churn censoring, which I'd handle with a survival model. Does that make sense?",
     "answer"),
])
def test_classify_message(text: str, intent: Intent) -> None:
    assert classify_message(text) == intent


KP1 = Target(kind="key_point", key="imbalance", label="Imbalanced dataset handling")
KP2 = Target(kind="key_point", key="explain", label="Explainability")
DIM = Target(kind="dimension", key="result", label="Result & impact")


@pytest.mark.parametrize(("intent", "asked", "depth", "missing", "weak", "probed", "expected"), [
    ("answer", 0, 2, [KP1, KP2], [DIM], set(), Action(kind="probe", target=KP1)),
    ("answer", 1, 2, [KP1, KP2], [DIM], {"imbalance"}, Action(kind="probe", target=KP2)),
    ("answer", 1, 3, [], [DIM], set(), Action(kind="probe", target=DIM)),
    ("answer", 2, 2, [KP1], [DIM], set(), Action(kind="move_on")),
    ("answer", 0, 0, [KP1], [DIM], set(), Action(kind="move_on")),
    ("answer", 1, 3, [KP1], [DIM], {"imbalance", "result"}, Action(kind="move_on")),
    ("clarify", 0, 2, [KP1], [], set(), Action(kind="clarify")),
    ("clarify", 2, 2, [KP1], [], set(), Action(kind="clarify")),
    ("hint", 0, 2, [KP1, KP2], [], {"imbalance"}, Action(kind="hint", target=KP2)),
    ("skip", 0, 3, [KP1], [DIM], set(), Action(kind="move_on")),
])
def test_next_action(intent: Intent, asked: int, depth: int, missing: list[Target], weak: list[Target],
                     probed: set[str], expected: Action) -> None:
    assert next_action(intent, asked, depth, missing, weak, probed) == expected
