"""A node on PostgreSQL with `prover = "external"` and two `cloister prover` processes (issue 28,
must-show 2): both prove batches, their proving overlaps, every batch reaches `executed` on the L1
in order; a worker SIGKILLed in the middle of a proof loses its job to the other once its lease
expires, and nothing is executed twice. A `pg_dump` taken while jobs exist holds no witness in the
clear. A job that failed is put back by an operator with `cloister prover retry`."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request

from eth_account import Account

from conftest import BINARY, Node, postgres_run, postgres_url, read_key, require_postgres, wait_for_log
from test_postgres import assert_no_plaintext
from test_web3 import CHAIN_ID, ERC20_ABI, EURD, connect, sign_in

LEASE = "2s"
BOB = "0xb45f739e9BaC48192cf8d17E03E6D216356d94D6"
AMOUNTS = [2_718_281, 1_414_213, 1_732_050]


class Worker:
    """A `cloister prover` process with its own log."""

    def __init__(self, directory, name, database, key, max_attempts=3):
        self.name = name
        self.log_path = os.path.join(directory, f"prover-{name}.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [BINARY, "prover", "--database", postgres_url(database), "--prover-key", key,
             "--password-env", "CLOISTER_TEST_POSTGRES_PASSWORD", "--lease", LEASE, "--max-attempts", str(max_attempts),
             "--worker-id", name, "--metrics-port", "0"],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=directory)
        self.metrics_url = wait_for_log(self.log_path, r"metrics=(http://127\.0\.0\.1:\d+/metrics)", self.process).group(1)

    def text(self):
        with open(self.log_path) as handle:
            return handle.read()

    def batches(self, message, extra=""):
        """The batch numbers of this worker's log lines with `message` (and `extra`, if given)."""
        return [int(re.search(r"\bbatch=(\d+)", line).group(1)) for line in self.text().splitlines()
                if line.endswith(message) and extra in line]

    def proven(self):
        return self.batches("batch proven")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.log.close()


class Sender(threading.Thread):
    """`count` transfers alice → bob, one a second: with max_interval_ms = 400, a batch each."""

    def __init__(self, node, count):
        super().__init__(daemon=True)
        self.node = node
        self.count = count
        self.stopping = threading.Event()
        self.sent = 0

    def run(self):
        alice = Account.from_key(read_key("alice"))
        w3 = connect(self.node, alice.key)
        token = w3.eth.contract(address=EURD, abi=ERC20_ABI)
        nonce = w3.eth.get_transaction_count(alice.address, "pending")
        while not self.stopping.is_set() and self.sent < self.count:
            tx = token.functions.transfer(BOB, AMOUNTS[self.sent % len(AMOUNTS)]).build_transaction(
                {"chainId": CHAIN_ID, "nonce": nonce + self.sent, "gas": 100_000, "maxFeePerGas": 0,
                 "maxPriorityFeePerGas": 0})
            w3.eth.send_raw_transaction(alice.sign_transaction(tx).raw_transaction)
            self.sent += 1
            self.stopping.wait(1.0)

    def finish(self):
        self.stopping.set()
        self.join(timeout=30)


def wait_until(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def sql(database, statement):
    output = postgres_run("psql", "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1",
                          "-d", postgres_url(database), "-c", statement)
    return [line.split("|") for line in output.decode().splitlines() if line]


def l1_cli(l1_url, *args):
    result = subprocess.run([BINARY, "l1", *args, "--l1", l1_url], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def external_prover_node(prefix):
    """A node on PostgreSQL that leaves proving to `cloister prover` workers, a batch about every
    400 ms: its folder, the prover key file and the node."""
    require_postgres()
    directory = tempfile.mkdtemp(prefix=prefix)
    key = os.path.join(directory, "prover.key")
    subprocess.run([BINARY, "keys", "new-prover", key], check=True, capture_output=True)
    node = Node(directory, store="postgres", edits=[
        ('prover = "stark"', f'prover = "external"\nprover_key_file = "{key}"'),
        ("max_interval_ms = 10000", "max_interval_ms = 400"), ("poll_interval_ms = 1000", "poll_interval_ms = 200")])
    return directory, key, node


def print_logs(node, workers):
    """The end of the node's and every worker's log, for a failed test's output."""
    for path in [node.log_path] + [worker.log_path for worker in workers]:
        with open(path) as handle:
            print(f"--- {path}:\n" + handle.read()[-3000:])

def test_two_workers_prove_in_parallel_and_a_killed_workers_job_is_taken_over():
    directory, key, node = external_prover_node("cloister-provers-")
    workers = []
    sender = None
    try:
        l1_url = wait_for_log(node.log_path, r"l1=(http://127\.0\.0\.1:\d+)", node.process).group(1)
        workers = [Worker(directory, name, node.database, key) for name in ("prover-a", "prover-b")]
        a, b = workers
        sender = Sender(node, 8)
        sender.start()

        # Both workers prove; then b is killed while it holds a job it has not finished.
        wait_until(lambda: a.proven() and b.proven(), 120, "a proof from each worker")
        claimed = wait_until(lambda: sql(node.database, "SELECT batch FROM prover_jobs WHERE state = 'running' "
                                                        "AND worker = 'prover-b'"), 120, "prover-b proving a batch")
        killed_batch = int(claimed[0][0])
        wait_until(lambda: killed_batch in b.batches("proving batch"), 30, "prover-b logging its claim")
        b.process.send_signal(signal.SIGKILL)
        b.process.wait(timeout=30)
        # Killed in the middle of the proof: the job is still running under b's (now dead) lease.
        assert sql(node.database, f"SELECT state, worker FROM prover_jobs WHERE batch = {killed_batch}") == \
            [["running", "prover-b"]]
        assert killed_batch not in b.proven()

        # A dump while jobs exist, sealed witnesses among them, holds none of them in the clear.
        dump = node.dump()
        jobs = dump.split(b"COPY public.prover_jobs", 1)[1].split(b"\n\\.", 1)[0]
        assert b"\\\\x01" in jobs, "the dump was taken without a sealed witness in it"

        health = json.loads(urllib.request.urlopen(node.url + "/health", timeout=10).read())
        assert {w["worker"] for w in health["proverQueue"]["workers"]} >= {"prover-a", "prover-b"}
        # The node refreshes its view of the queue once per collection round, so the second proof
        # (made a moment ago) may not be counted yet: wait for the round that counts it.
        token = sign_in(node, read_key("auditor"))

        def queue_status():
            status, body = node.admin_get("/admin/v1/status", token)
            assert status == 200, body
            return body if body["proverQueue"]["done"] >= 2 else None
        wait_until(queue_status, 30, "the admin status counting both workers' proofs")
        metrics = urllib.request.urlopen(a.metrics_url, timeout=10).read().decode()
        assert "cloister_prover_jobs_proved_total" in metrics

        # The killed worker's job is claimed again once its lease expired, by a, and proven.
        wait_until(lambda: killed_batch in a.batches("proving batch", "reclaimed_from=prover-b"), 60,
                   "the killed worker's job claimed again")
        wait_until(lambda: killed_batch in a.proven(), 120, "the killed worker's batch proven by the other")
        sender.finish()
        sealed = wait_until(lambda: sql(node.database, "SELECT max(batch) FROM prover_jobs")[0][0], 30, "jobs")
        last = int(sealed)
        wait_until(lambda: len(l1_cli(l1_url, "batches")) >= last
                   and all(b["status"] == "executed" for b in l1_cli(l1_url, "batches")), 240,
                   "every batch executed on the L1")

        batches = l1_cli(l1_url, "batches")
        assert [b["number"] for b in batches] == list(range(1, len(batches) + 1))
        events = l1_cli(l1_url, "events")
        for kind in ("committed", "proven", "executed"):
            numbers = [e.get("batchNumber", e.get("batch")) for e in events if e["kind"] == kind]
            assert sorted(numbers) == sorted(set(numbers)), f"a batch was {kind} twice: {numbers}"
        executed = [e.get("batchNumber", e.get("batch")) for e in events if e["kind"] == "executed"]
        assert executed == sorted(executed), "batches executed out of order"

        rows = sql(node.database, "SELECT batch, state, worker, attempts, "
                                  "extract(epoch FROM started_at), extract(epoch FROM finished_at) "
                                  "FROM prover_jobs WHERE batch <= %d ORDER BY batch" % last)
        assert all(row[1] == "done" for row in rows), rows
        killed = [row for row in rows if int(row[0]) == killed_batch][0]
        assert killed[2] == "prover-a" and int(killed[3]) == 2, killed
        by_worker = {}
        for row in rows:
            by_worker.setdefault(row[2], []).append((float(row[4]), float(row[5])))
        assert set(by_worker) == {"prover-a", "prover-b"}, by_worker
        assert any(s1 < f2 and s2 < f1 for s1, f1 in by_worker["prover-a"] for s2, f2 in by_worker["prover-b"]), \
            f"the workers' proving intervals never overlap: {by_worker}"
        assert_no_plaintext(dump, AMOUNTS)

        # SIGTERM: the worker stops cleanly and signs off.
        a.stop()
        assert a.process.returncode == 0 and "prover worker stopped" in a.text()
        wait_until(lambda: [w["worker"] for w in json.loads(urllib.request.urlopen(
            node.url + "/health", timeout=10).read())["proverQueue"]["workers"]] == ["prover-b"], 30,
            "the stopped worker gone from /health, the killed one still listed")
    except BaseException:
        print_logs(node, workers)
        raise
    finally:
        if sender:
            sender.finish()
        for worker in workers:
            worker.stop()
        node.stop()
        shutil.rmtree(directory, ignore_errors=True)


def prover_cli(database, *args):
    return subprocess.run([BINARY, "prover", *args, "--database", postgres_url(database),
                           "--password-env", "CLOISTER_TEST_POSTGRES_PASSWORD"], capture_output=True, text=True, timeout=60)


def test_a_failed_job_put_back_with_prover_retry_is_proven_and_executed():
    """Batch 1's sealed witness is damaged in the database (one bit), so a worker fails its job on its
    only attempt and settlement waits there. With the damage undone (the cause fixed),
    `cloister prover retry --batch 1` puts the job back (and refuses a job that has not failed, or
    none), and a worker proves it: the batch is executed on the L1."""
    directory, key, node = external_prover_node("cloister-prover-retry-")
    workers = []
    try:
        l1_url = wait_for_log(node.log_path, r"l1=(http://127\.0\.0\.1:\d+)", node.process).group(1)
        sender = Sender(node, 1)
        sender.run()
        wait_until(lambda: sql(node.database, "SELECT state FROM prover_jobs WHERE batch = 1") == [["waiting"]], 60,
                   "batch 1's job enqueued")
        # XOR with 64 flips one bit of the ciphertext; the same statement again undoes it.
        flip = ("UPDATE prover_jobs SET witness = set_byte(witness, length(witness) / 2, "
                "get_byte(witness, length(witness) / 2) # 64) WHERE batch = 1")
        sql(node.database, flip)
        workers.append(Worker(directory, "first", node.database, key, max_attempts=1))
        wait_until(lambda: sql(node.database, "SELECT state FROM prover_jobs WHERE batch = 1") == [["failed"]], 120,
                   "batch 1's job failed on its damaged witness")
        workers[0].stop()
        sql(node.database, flip)
        wait_until(lambda: "a prover job failed" in open(node.log_path).read(), 30, "the node reporting the failed job")

        refused = prover_cli(node.database, "retry", "--batch", "99")
        assert refused.returncode != 0 and "no prover job for batch 99" in refused.stderr, refused
        retried = prover_cli(node.database, "retry", "--batch", "1")
        assert retried.returncode == 0 and "waits again" in retried.stdout, retried
        again = prover_cli(node.database, "retry", "--batch", "1")
        assert again.returncode != 0 and "waiting, not failed" in again.stderr, again
        [[state, attempts, failure]] = sql(node.database, "SELECT state, attempts, failure FROM prover_jobs WHERE batch = 1")
        assert state == "waiting" and attempts == "0" and failure.startswith("put back by an operator after: "), failure

        workers.append(Worker(directory, "second", node.database, key))
        wait_until(lambda: 1 in workers[1].proven(), 120, "batch 1 proven once put back")
        wait_until(lambda: any(b["number"] == 1 and b["status"] == "executed" for b in l1_cli(l1_url, "batches")), 120,
                   "batch 1 executed on the L1")
    except BaseException:
        print_logs(node, workers)
        raise
    finally:
        for worker in workers:
            worker.stop()
        node.stop()
        shutil.rmtree(directory, ignore_errors=True)
