"""The soak (issue #29): a real `cloister node` settling on a separate `cloister l1` under the crash
harness's mixed load for a long time with nothing killed, watched for what only time shows: memory
or file descriptors that keep growing, settlement falling behind, a check that starts failing.

`make soak` runs 30 minutes (SOAK_MINUTES); test_soak.py runs a short version inside `make test`
so that the script itself cannot rot. Run by hand:

    CLOISTER_BINARY=.build/debug/cloister .venv/bin/python Tests/ClientTests/soak.py --minutes 30

Every `--sample-seconds` it records the node's and the L1's resident memory (VmRSS), the node's
open file descriptors and threads, the head, the acknowledged transactions, the batches sealed
and executed, and the p99 receipt latency of the window (one acknowledged transaction in ten is
followed from its send to the first poll, every 50 ms, that finds its receipt). Every `--check-minutes` it pauses the load and runs the crash harness's checks (every
acknowledged transaction has a receipt, receipts and block hashes unchanged, the head monotone,
native total and EURD supply conserved, each batch committed, proven and executed once on the L1).
At the end: settlement must catch up, `cloister audit verify` must pass on the stopped node's data
directory, and the growth limits must hold between the middle third of the run (the warm-up is
over: caches, pools and SQLite's page cache are full) and the last third, by their medians (a
sample taken while a proof runs holds its working memory, one between proofs does not):

* the node's resident memory grows by at most 25 % + 64 MiB (the chain itself grows, but what the
  node keeps in memory must not grow with it);
* its open file descriptors by at most 16 (the last sample against the first of the middle third);
* the proof backlog (sealed minus executed batches) at most doubles, plus 4 batches;
* the p99 receipt latency at most doubles, plus 500 ms (the medians of the windows' p99s).
"""
import argparse
import os
import queue
import statistics
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from conftest import BINARY  # noqa: E402
from crash_harness import Harness, get_json  # noqa: E402

MIB = 1024 * 1024


def process_figures(pid):
    """Resident memory (bytes), open file descriptors and threads of a running process."""
    figures = {"rss": 0, "fds": 0, "threads": 0}
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    figures["rss"] = int(line.split()[1]) * 1024
                elif line.startswith("Threads:"):
                    figures["threads"] = int(line.split()[1])
        figures["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        pass
    return figures


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else None


class ReceiptProbe:
    """Receipt latency as a member's client sees it: one acknowledged transaction in `every`,
    from the moment it was sent to the first poll (every `poll_seconds`) that finds its receipt."""

    def __init__(self, harness, every=10, poll_seconds=0.05):
        self.harness = harness
        self.every = every
        self.poll_seconds = poll_seconds
        self.offered = 0
        self.incoming = queue.Queue()
        self.lock = threading.Lock()
        self.latencies = []
        self.stopping = threading.Event()
        harness.acknowledged_listener = self.offer
        self.thread = threading.Thread(target=self.follow, daemon=True)
        self.thread.start()

    def offer(self, record):
        self.offered += 1
        if self.offered % self.every == 0:
            self.incoming.put(record)

    def follow(self):
        pending = []
        while not self.stopping.is_set():
            while not self.incoming.empty():
                pending.append(self.incoming.get())
            waiting = []
            for record in pending:
                try:
                    found = self.harness.receipt(record)
                except Exception:  # noqa: BLE001 - a slow answer is retried at the next poll
                    found = None
                if found:
                    with self.lock:
                        self.latencies.append(time.time() - record["sent"])
                else:
                    waiting.append(record)
            pending = waiting
            time.sleep(self.poll_seconds)

    def take(self):
        """The latencies (seconds) measured since the last call."""
        with self.lock:
            taken, self.latencies = self.latencies, []
        return taken

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=30)


class Soak:
    def __init__(self, harness, log):
        self.harness = harness
        self.log = log
        self.samples = []
        self.started = time.time()
        self.problems = []
        self.probe = ReceiptProbe(harness)

    def sample(self):
        node = process_figures(self.harness.node.process.pid)
        l1 = process_figures(self.harness.l1.process.pid)
        status = self.harness.admin("/admin/v1/status")
        l1_status = get_json(self.harness.l1.url + "/status")
        sample = {
            "seconds": time.time() - self.started, "rss": node["rss"], "fds": node["fds"], "threads": node["threads"],
            "l1_rss": l1["rss"], "head": status["headBlock"]["number"], "acknowledged": self.harness.figures.acknowledged,
            "sealed": status["batches"]["latestSealed"], "executed": int(l1_status["lastExecuted"]),
        }
        latencies = self.probe.take()
        sample["receipts"] = len(latencies)
        sample["p99"] = percentile(latencies, 0.99)
        self.samples.append(sample)
        self.log(f"[{sample['seconds']:5.0f} s] node {sample['rss'] / MIB:6.1f} MiB, {sample['fds']} fds, "
                 f"{sample['threads']} threads; L1 {sample['l1_rss'] / MIB:5.1f} MiB; head {sample['head']}; "
                 f"{sample['acknowledged']} acknowledged; batches {sample['sealed']} sealed, {sample['executed']} executed; "
                 + (f"receipt p99 {sample['p99'] * 1000:.0f} ms ({sample['receipts']} followed)" if sample["p99"] is not None
                    else "no receipt followed"))
        return sample

    def windows(self):
        """The samples of the middle third (warm: caches, pools and SQLite's page cache are full)
        and of the last third of the run."""
        third = len(self.samples) // 3
        return self.samples[third:2 * third], self.samples[2 * third:]

    def check_growth(self):
        """The limits of the module docstring, between the middle and the last third of the run.
        Memory and backlog are compared by their medians over each third: a sample taken while a
        proof runs holds its working memory (hundreds of MB), one taken between proofs does not."""
        if len(self.samples) < 6:
            self.problems.append(f"only {len(self.samples)} samples: the run was too short to judge growth")
            return
        warm, last = self.windows()
        median = lambda window, key: statistics.median(sample[key] for sample in window)  # noqa: E731
        if median(last, "rss") > median(warm, "rss") * 1.25 + 64 * MIB:
            self.problems.append(f"node memory grew: median {median(warm, 'rss') / MIB:.1f} MiB in the middle third, "
                                 f"{median(last, 'rss') / MIB:.1f} MiB in the last")
        if last[-1]["fds"] > warm[0]["fds"] + 16:
            self.problems.append(f"open file descriptors grew from {warm[0]['fds']} to {last[-1]['fds']}")
        for window in (warm, last):
            for sample in window:
                sample["backlog"] = sample["sealed"] - sample["executed"]
        if median(last, "backlog") > 2 * median(warm, "backlog") + 4:
            self.problems.append(f"the proof backlog grew: median {median(warm, 'backlog')} batches in the middle third, "
                                 f"{median(last, 'backlog')} in the last")
        warm_p99, last_p99 = self.p99_medians()
        if warm_p99 is not None and last_p99 is not None and last_p99 > 2 * warm_p99 + 0.5:
            self.problems.append(f"receipt latency grew: median p99 {warm_p99 * 1000:.0f} ms in the middle third, "
                                 f"{last_p99 * 1000:.0f} ms in the last")

    def p99_medians(self):
        """The median of the windows' p99 receipt latencies (seconds) in the middle and the last third."""
        def median(window):
            values = [sample["p99"] for sample in window if sample.get("p99") is not None]
            return statistics.median(values) if values else None
        warm, last = self.windows()
        return median(warm), median(last)

    def summary(self):
        first, last = self.samples[0], self.samples[-1]
        peak = max(self.samples, key=lambda sample: sample["rss"])
        minutes = (last["seconds"] - first["seconds"]) / 60 or 1
        middle, final = self.windows()
        rss = lambda window: statistics.median(s["rss"] for s in window) / MIB if window else 0  # noqa: E731
        backlog = lambda window: statistics.median(s["sealed"] - s["executed"] for s in window) if window else 0  # noqa: E731
        return "\n".join([
            f"soak: {last['seconds'] / 60:.1f} min, {len(self.samples)} samples, {self.harness.figures.checks} checks",
            f"acknowledged {last['acknowledged']} ({(last['acknowledged'] - first['acknowledged']) / minutes / 60:.1f} /s), "
            f"head {last['head']}, batches sealed {last['sealed']}, executed {last['executed']}",
            f"node memory: {first['rss'] / MIB:.1f} MiB first, median {rss(middle):.1f} MiB in the middle third and "
            f"{rss(final):.1f} MiB in the last, peak {peak['rss'] / MIB:.1f} MiB at {peak['seconds']:.0f} s",
            f"proof backlog (sealed - executed): median {backlog(middle)} batches in the middle third, {backlog(final)} in the last",
            self.latency_summary(),
            f"node file descriptors: {first['fds']} first, {last['fds']} last; threads {first['threads']} → {last['threads']}",
            f"L1 memory: {first['l1_rss'] / MIB:.1f} MiB first, {last['l1_rss'] / MIB:.1f} MiB last",
            f"problems: {len(self.problems)}" + "".join(f"\n  {problem}" for problem in self.problems),
            self.harness.figures.summary(),
        ])


    def latency_summary(self):
        warm, last = self.p99_medians()
        p99s = [sample["p99"] for sample in self.samples if sample.get("p99") is not None]
        if not p99s:
            return "receipt latency: no receipt followed"
        ms = lambda value: "n/a" if value is None else f"{value * 1000:.0f} ms"  # noqa: E731
        return (f"receipt latency p99 per window: median {ms(warm)} in the middle third, {ms(last)} in the last, "
                f"highest {ms(max(p99s))} ({sum(sample.get('receipts', 0) for sample in self.samples)} receipts followed)")


def audit_verify(node):
    result = subprocess.run(
        [BINARY, "audit", "verify", "--config", node.config, "--data-dir", node.data_dir, "--master-key", node.master_key],
        capture_output=True, text=True, timeout=600)
    return None if result.returncode == 0 else (result.stdout + result.stderr)[-500:]


def run(minutes, seed, sample_seconds=30, check_minutes=5, directory=None, settle_timeout=300, log=print):
    """Runs the soak; returns (Soak, Figures). Problems found are in `soak.problems` and `figures.losses()`."""
    own = directory is None
    directory = directory or tempfile.mkdtemp(prefix="cloister-soak-")
    os.makedirs(directory, exist_ok=True)
    # Batches as a deployment seals them (about every 10 s: 100 blocks of 100 ms, up to 1,024
    # operations), not the crash harness's every 3 s: the soak judges whether settlement keeps up,
    # so the prover must be able to.
    harness = Harness(directory, seed, max_operations=1024, seal_interval_ms=10_000, max_blocks=100, log=log)
    soak = Soak(harness, log)
    try:
        harness.start_load()
        deadline = soak.started + minutes * 60
        next_check = soak.started + check_minutes * 60
        while time.time() < deadline:
            soak.sample()
            time.sleep(max(0.0, min(sample_seconds, deadline - time.time())))
            if time.time() >= next_check and time.time() < deadline:
                harness.check()
                next_check += check_minutes * 60
        soak.sample()
        soak.check_growth()
        soak.probe.stop()
        harness.stop_load()
        harness.check(sample=10**9)
        harness.await_settlement(settle_timeout)
        harness.node.stop()
        failure = audit_verify(harness.node)
        if failure:
            harness.figures.audit_failures.append(failure)
    finally:
        soak.probe.stop()
        harness.stopping.set()
        harness.close()
        if own:
            shutil.rmtree(directory, ignore_errors=True)
    log(soak.summary())
    return soak, harness.figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--sample-seconds", type=float, default=30)
    parser.add_argument("--check-minutes", type=float, default=5)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--keep", help="keep the run's files in this folder")
    arguments = parser.parse_args()
    soak, figures = run(arguments.minutes, arguments.seed, arguments.sample_seconds, arguments.check_minutes,
                        directory=arguments.keep, log=lambda line: print(line, flush=True))
    failed = soak.problems or any(figures.losses().values())
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
