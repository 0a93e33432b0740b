"""Issue #29: a short run of the soak (`make soak` runs it for 30 minutes on a release build), so the
script cannot rot: a real node and L1 under the mixed load, sampled and checked while it runs, nothing
acknowledged lost, `audit verify` clean at the end. Growth is only judged by the long run: in under a
minute a debug build is still warming up."""
import random

from soak import run


def test_a_short_soak_samples_checks_and_loses_nothing():
    seed = random.randrange(1 << 30)
    soak, figures = run(minutes=0.4, seed=seed, sample_seconds=4, check_minutes=0.15, settle_timeout=240)
    assert len(soak.samples) >= 5
    assert soak.samples[-1]["acknowledged"] > 0 and soak.samples[-1]["head"] > 0
    assert all(sample["rss"] > 0 and sample["fds"] > 0 for sample in soak.samples)
    followed = [sample for sample in soak.samples if sample["receipts"]]
    assert followed and all(0 < sample["p99"] < 120 for sample in followed), soak.samples
    assert figures.checks >= 3
    found = {name: items for name, items in figures.losses().items() if items}
    assert not found, f"seed {seed}: {found}"
