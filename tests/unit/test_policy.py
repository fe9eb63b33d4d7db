"""The interview policy, as parameter tables."""

from __future__ import annotations

import pytest

from bot.domain.policy import Action, Intent, Target, next_action

KP1 = Target(kind="key_point", key="imbalance", label="imbalance", probe="How would you handle the imbalance?")
KP2 = Target(kind="key_point", key="explain", label="explainability", probe="How would you explain it?")
DEEP = Target(kind="depth", key="numbers:2", label="numbers", probe="What numbers can you put on that?")
DIM = Target(kind="dimension", key="result", label="Result & impact")


@pytest.mark.parametrize(("intent", "asked", "depth", "missing", "weak", "probed", "extra", "expected"), [
    ("answer", 0, 2, [KP1, KP2], [DIM], set(), {}, Action(kind="probe", target=KP1)),
    ("answer", 1, 2, [KP1, KP2], [DIM], {"imbalance"}, {}, Action(kind="probe", target=KP2)),
    ("answer", 0, 2, [KP1], [DIM], set(), {"deeper": [DEEP]}, Action(kind="probe", target=KP1)),
    ("answer", 0, 2, [KP1], [DIM], set(), {"deeper": [DEEP], "strong": True}, Action(kind="probe", target=DEEP)),
    ("answer", 1, 3, [KP1], [DIM], {"numbers:2"}, {"deeper": [DEEP], "strong": True}, Action(kind="probe", target=DIM)),
    ("answer", 1, 3, [KP1], [], {"numbers:2"}, {"deeper": [DEEP], "strong": True}, Action(kind="move_on")),
    ("answer", 0, 2, [], [DIM], set(), {"deeper": [DEEP]}, Action(kind="probe", target=DEEP)),
    ("answer", 1, 3, [], [DIM], set(), {}, Action(kind="probe", target=DIM)),
    ("answer", 2, 2, [KP1], [DIM], set(), {}, Action(kind="move_on")),
    ("answer", 0, 0, [KP1], [DIM], set(), {}, Action(kind="move_on")),
    ("answer", 1, 3, [KP1], [DIM], {"imbalance", "result"}, {}, Action(kind="move_on")),
    ("clarify", 2, 2, [KP1], [], set(), {}, Action(kind="clarify")),
    ("repeat", 0, 2, [KP1], [], set(), {}, Action(kind="repeat")),
    ("rephrase", 0, 2, [KP1], [], set(), {}, Action(kind="rephrase")),
    ("chatter", 0, 2, [KP1], [], set(), {}, Action(kind="redirect")),
    ("hint", 0, 2, [KP1, KP2], [], {"imbalance"}, {}, Action(kind="hint", target=KP2)),
    ("dont_know", 1, 2, [KP1, KP2], [], {"imbalance"}, {"dont_knows": 1, "last_probe": KP1},
     Action(kind="hint", target=KP1)),
    ("dont_know", 1, 2, [KP1, KP2], [], {"imbalance"}, {"dont_knows": 2, "last_probe": KP1},
     Action(kind="move_on")),
    ("skip", 0, 3, [KP1], [DIM], set(), {}, Action(kind="move_on")),
])
def test_next_action(intent: Intent, asked: int, depth: int, missing: list[Target], weak: list[Target],
                     probed: set[str], extra: dict, expected: Action) -> None:
    assert next_action(intent, asked, depth, missing, weak, probed, **extra) == expected
