"""Issue #29: a short run of the crash harness (`make crash-test` runs it at full length): a real
node and a separate L1 process killed with SIGKILL at every kind of aimed moment, nothing
acknowledged lost or changed, settlement caught up at the end."""
import random

from crash_harness import L1_MODES, NODE_MODES, run


def test_sigkills_of_node_and_l1_under_mixed_load_lose_and_change_nothing():
    seed = random.randrange(1 << 30)
    figures = run(node_kills=len(NODE_MODES) + 1, l1_kills=len(L1_MODES), max_minutes=4, seed=seed)
    print(figures.summary())
    assert sum(figures.node_kills.values()) == len(NODE_MODES) + 1
    assert sum(figures.l1_kills.values()) == len(L1_MODES)
    assert figures.acknowledged > 0 and figures.checks > 0
    found = {name: items for name, items in figures.losses().items() if items}
    assert not found, f"seed {seed}: {found}"
