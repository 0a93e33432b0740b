"""The crash harness (issue #29): a real `cloister node` settling on a separate `cloister l1`
process, both killed with SIGKILL at random and at aimed moments under a mixed load; after every
restart it checks that nothing acknowledged was lost or changed.

`make crash-test` runs the full length (at least 100 node kills and 20 L1 kills); test_crash.py
runs a short version inside `make test`. Run by hand:

    CLOISTER_BINARY=.build/debug/cloister .venv/bin/python Tests/ClientTests/crash_harness.py \\
        --node-kills 100 --l1-kills 20 --max-minutes 60

The load, from one thread: native and EURD transfers between members, a transfer the policy
refuses (admission answers an error: not acknowledged), deposits queued on the L1 (native and
EURD), withdrawals to the bridge (native and EURD), mints and burns by the issuer, and policy
reloads (a limit toggled in compliance.toml, then SIGHUP).

Node kills cycle through moments: at random; just after a burst of transactions (block writes);
right as a batch is sealed (`cloister_batches_closed_total` moves on /metrics); while a committed
batch is being proven (its commit logged, its proof not); and right after "batch proven on the
L1" (proven, not yet executed). L1 kills cycle through commit (a batch just sealed), prove (the
node just logged a proof) and execute (the L1 just logged the batch proven).

After each node kill, while the node is down: `cloister audit verify` on its data directory. After
each restart (time to `/health` 200 is recorded): every acknowledged transaction gets a receipt;
every receipt and block hash seen before is unchanged; the head never goes back; the native total
and the EURD supply equal genesis + deposits + mints - burns - withdrawals, and the EURD supply
equals the sum of the holdings; on the L1 each batch is committed, proven and executed at most
once and no batch hash changes. At the end, settlement must catch up: every sealed batch executed.
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eth_account import Account  # noqa: E402

from conftest import BINARY, Node, read_key, wait_for_log  # noqa: E402
from test_settlement import BRIDGE, L1  # noqa: E402
from test_web3 import CHAIN_ID, EURD, sign_in  # noqa: E402

MEMBERS = ["alice", "bob", "carol", "issuer"]
NATIVE_ZERO = "0x" + "00" * 20
DOWN = (urllib.error.URLError, ConnectionError, TimeoutError, http.client.HTTPException, OSError)
NODE_MODES = ["random", "burst", "seal", "proof", "proven"]
L1_MODES = ["commit", "prove", "execute"]


def word(value):
    return value.to_bytes(32, "big").hex()


def address_word(address):
    return "00" * 12 + address[2:].lower()


def post_json(url, payload, token=None, timeout=10):
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def get_json(url, token=None, timeout=10):
    request = urllib.request.Request(url, method="GET")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


class LogWatch:
    """Reads a process's log from where it was last read; waits for a pattern among new lines."""

    def __init__(self, path):
        self.path = path
        self.offset = os.path.getsize(path) if os.path.exists(path) else 0

    def wait(self, pattern, timeout, process=None):
        deadline = time.time() + timeout
        expression = re.compile(pattern)
        while time.time() < deadline:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                chunk = handle.read()
            end = chunk.rfind(b"\n")
            if end >= 0:
                lines = chunk[: end + 1].decode(errors="replace")
                self.offset += end + 1
                match = expression.search(lines)
                if match:
                    return match
            if process is not None and process.poll() is not None:
                return None
            time.sleep(0.01)
        return None


class Figures:
    """What the run counts; `losses()` is what must stay zero."""

    def __init__(self):
        self.node_kills = {mode: 0 for mode in NODE_MODES}
        self.aimed_missed = {mode: 0 for mode in NODE_MODES + L1_MODES}
        self.l1_kills = {mode: 0 for mode in L1_MODES}
        self.restart_seconds = []
        self.l1_restart_seconds = []
        self.failed_restarts = 0
        self.acknowledged = 0
        self.accepted_unanswered = 0
        self.refused_as_expected = 0
        self.lost = []
        self.changed_receipts = []
        self.changed_blocks = []
        self.head_regressions = []
        self.conservation = []
        self.audit_failures = []
        self.l1_duplicates = []
        self.l1_hash_changes = []
        self.unexpected_errors = []
        self.settlement = []
        self.operations = {}
        self.checks = 0
        self.max_head = 0
        self.batches_executed = 0

    def losses(self):
        return {
            "lost acknowledged transactions": self.lost, "changed receipts": self.changed_receipts,
            "changed blocks": self.changed_blocks, "head regressions": self.head_regressions,
            "conservation violations": self.conservation, "audit verify failures": self.audit_failures,
            "L1 calls done twice": self.l1_duplicates, "L1 batch hashes changed": self.l1_hash_changes,
            "unexpected errors": self.unexpected_errors, "settlement stalled": self.settlement,
            "failed restarts": [1] * self.failed_restarts,
        }

    def summary(self):
        times = sorted(self.restart_seconds) or [0]
        l1_times = sorted(self.l1_restart_seconds) or [0]
        lines = [
            f"node kills: {sum(self.node_kills.values())} {self.node_kills}",
            f"L1 kills: {sum(self.l1_kills.values())} {self.l1_kills}",
            f"aimed moments missed (killed at the timeout instead): {self.aimed_missed}",
            f"restart to /health ok: median {times[len(times) // 2]:.2f} s, max {times[-1]:.2f} s "
            f"over {len(self.restart_seconds)}; L1 restart median {l1_times[len(l1_times) // 2]:.2f} s",
            f"operations: {self.operations}",
            f"acknowledged transactions: {self.acknowledged} (+{self.accepted_unanswered} accepted whose answer a kill cut off); "
            f"refused as expected: {self.refused_as_expected}",
            f"checks after restarts: {self.checks}; head reached {self.max_head}; batches executed on the L1: {self.batches_executed}",
        ]
        for name, found in self.losses().items():
            lines.append(f"{name}: {len(found)}" + (f"  first: {found[:3]}" if found else ""))
        return "\n".join(lines)


class Harness:
    def __init__(self, directory, seed, fold_interval=8, index_run_size=64, max_operations=128, seal_interval_ms=3000,
                 max_blocks=30, log=print):
        self.random = random.Random(seed)
        self.log = log
        self.figures = Figures()
        # Called with each acknowledged transaction's record (the soak's receipt-latency probe).
        self.acknowledged_listener = None
        self.l1 = L1(directory)
        node_directory = os.path.join(directory, "node")
        os.makedirs(node_directory)
        # Small store thresholds, so that folds and index runs happen many times in a run.
        thresholds = f"[storage]\nfold_interval_blocks = {fold_interval}\nindex_run_size = {index_run_size}"
        self.node = Node(
            node_directory, extra_args=["--l1", self.l1.url],
            edits=[
                ("block_interval_ms = 250", "block_interval_ms = 100"),
                # Small batches, sealed every few seconds, proven at normal priority: on a shared
                # machine a prover at idle priority may get no core at all, and settlement is under test.
                ("max_blocks = 40", f"max_blocks = {max_blocks}"),
                ("max_interval_ms = 10000", f"max_interval_ms = {seal_interval_ms}"),
                ("max_operations = 4096", f"max_operations = {max_operations}"),
                ("prover_background = true", "prover_background = false"),
                ("poll_interval_ms = 1000", "poll_interval_ms = 200"),
                # The load's refused transfers are many; the per-member throttle of refusals is not under test.
                ("policy_refusals_per_minute = 30", "policy_refusals_per_minute = 100000"),
            ] + ([("[storage]", thresholds)] if fold_interval else []),
        )
        self.keys = {member: read_key(member) for member in MEMBERS}
        self.addresses = {member: Account.from_key(key).address for member, key in self.keys.items()}
        self.compliance = os.path.join(node_directory, "Policies", "compliance.toml")
        self.lock = threading.Lock()  # held by one load operation, and by a check
        self.stopping = threading.Event()
        self.paused = threading.Event()  # set from a node kill until the check after its restart
        self.acked = {}  # hash -> record; the answer named the hash
        self.maybe = {}  # hash -> record; sent, the answer cut off by a kill
        self.receipts = {}  # hash -> the receipt's identity as first seen
        self.blocks = {}  # number -> hash as first seen
        self.l1_hashes = {}
        self.deposited = {"native": 0, "eurd": 0}
        self.genesis = None
        self.policy_toggle = False
        self.resync()
        self.genesis = self.totals()
        self.log(f"genesis totals: {self.genesis}")

    # MARK: - Sessions, nonces and sending

    def resync(self):
        """New sessions and the next nonces from the node (after a start)."""
        self.tokens = {member: sign_in(self.node, key) for member, key in self.keys.items()}
        self.tokens["auditor"] = sign_in(self.node, read_key("auditor"))
        self.nonces = {}
        for member in MEMBERS:
            answer = self.rpc(member, "eth_getTransactionCount", [self.addresses[member], "pending"])
            self.nonces[member] = int(answer["result"], 16)

    def rpc(self, member, method, params, timeout=10):
        return post_json(self.node.url, {"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                         token=self.tokens[member], timeout=timeout)

    def admin(self, path):
        return get_json(self.node.admin_url + path, token=self.tokens["auditor"], timeout=30)

    def send(self, member, transaction, effect, refused=None):
        """Signs with the member's next nonce and sends. An answered hash is acknowledged; an answer
        cut off by a kill leaves the transaction `maybe` (it may have been accepted)."""
        transaction = dict(transaction, nonce=self.nonces[member], chainId=CHAIN_ID)
        signed = Account.sign_transaction(transaction, self.keys[member])
        tx_hash = "0x" + signed.hash.hex().removeprefix("0x")
        record = {"hash": tx_hash, "member": member, "nonce": self.nonces[member], "effect": effect, "sent": time.time()}
        try:
            answer = self.rpc(member, "eth_sendRawTransaction", ["0x" + signed.raw_transaction.hex().removeprefix("0x")])
        except DOWN:
            self.maybe[tx_hash] = record
            raise
        if "error" in answer:
            message = answer["error"].get("message", "")
            if refused and refused in message:
                self.figures.refused_as_expected += 1
                return None
            self.figures.unexpected_errors.append(f"{effect['kind']}: {message}")
            return None
        if answer.get("result") != tx_hash:
            self.figures.unexpected_errors.append(f"answer {answer} for {tx_hash}")
        if refused:
            self.figures.unexpected_errors.append(f"{effect['kind']} was accepted: {tx_hash}")
        self.acked[tx_hash] = record
        self.figures.acknowledged += 1
        self.nonces[member] += 1
        if self.acknowledged_listener:
            self.acknowledged_listener(record)
        return tx_hash

    def native(self, member, to, amount, kind="native"):
        transaction = {"to": to, "value": amount, "gas": 21_000, "gasPrice": 0}
        return self.send(member, transaction, {"kind": kind, "native": amount})

    def token_call(self, member, data, effect, refused=None):
        transaction = {"to": EURD, "value": 0, "data": data, "gas": 100_000, "maxFeePerGas": 0, "maxPriorityFeePerGas": 0,
                       "type": 2}
        return self.send(member, transaction, effect, refused)

    # MARK: - The load

    def operation(self):
        """One operation of the mixed load, chosen at random."""
        others = lambda sender: [m for m in ["alice", "bob", "carol"] if m != sender]  # noqa: E731
        sender = self.random.choice(["alice", "bob", "carol"])
        to = self.addresses[self.random.choice(others(sender))]
        kind = self.random.choices(
            ["native", "token", "refused", "deposit", "withdraw-native", "withdraw-token", "mint", "burn", "policy"],
            weights=[30, 30, 3, 4, 3, 3, 4, 4, 1])[0]
        self.figures.operations[kind] = self.figures.operations.get(kind, 0) + 1
        if kind == "native":
            self.native(sender, to, self.random.randint(1, 10**15))
        elif kind == "token":
            amount = self.random.randint(10_000, 2_000_000)  # the policy's minimum is 0.01 EURD
            self.token_call(sender, "0xa9059cbb" + address_word(to) + word(amount), {"kind": "token"})
        elif kind == "refused":
            # 20,000,000 EURD: above the policy's single-transfer maximum, refused at admission.
            self.token_call("alice", "0xa9059cbb" + address_word(to) + word(20_000_000 * 10**6), {"kind": "refused"},
                            refused="eurd-transfer-size")
        elif kind == "deposit":
            asset = self.random.choice(["native", "eurd"])
            amount = self.random.randint(1, 10**6)
            try:
                post_json(self.l1.url + "/deposits", {
                    "recipient": self.addresses["alice"], "asset": NATIVE_ZERO if asset == "native" else EURD,
                    "amount": str(amount), "sender": self.addresses["alice"]})
                self.deposited[asset] += amount
            except DOWN:
                pass  # the L1 is down (killed): nothing was queued, or the answer was lost (checked below)
        elif kind == "withdraw-native":
            self.native(sender, BRIDGE, self.random.randint(1, 10**12), kind="withdraw-native")
        elif kind == "withdraw-token":
            amount = self.random.randint(10_000, 1_000_000)
            self.token_call(sender, "0xa9059cbb" + address_word(BRIDGE) + word(amount), {"kind": "withdraw-token", "eurd": amount})
        elif kind == "mint":
            amount = self.random.randint(1, 5_000_000)
            self.token_call("issuer", "0x40c10f19" + address_word(to) + word(amount), {"kind": "mint", "eurd": amount})
        elif kind == "burn":
            amount = self.random.randint(1, 1_000_000)
            self.token_call("issuer", "0x42966c68" + word(amount), {"kind": "burn", "eurd": amount})
        elif kind == "policy":
            self.reload_policy()

    def reload_policy(self):
        """Toggles the EURD single-transfer maximum and signals the node (SIGHUP)."""
        with open(self.compliance) as handle:
            text = handle.read()
        self.policy_toggle = not self.policy_toggle
        old, new = ('max = "10000000.00"', 'max = "9000000.00"') if self.policy_toggle else ('max = "9000000.00"', 'max = "10000000.00"')
        with open(self.compliance, "w") as handle:
            handle.write(text.replace(old, new, 1))
        if self.node.process.poll() is None:
            self.node.process.send_signal(signal.SIGHUP)

    def load(self):
        while not self.stopping.is_set():
            if self.paused.is_set():
                time.sleep(0.02)
                continue
            with self.lock:
                try:
                    self.operation()
                    failed = False
                except DOWN:
                    failed = True
            time.sleep(0.2 if failed else 0.005)

    def start_load(self):
        self.stopping.clear()
        self.thread = threading.Thread(target=self.load, daemon=True)
        self.thread.start()

    def stop_load(self):
        self.stopping.set()
        self.thread.join(timeout=60)

    # MARK: - Kills

    def metrics_counter(self, name):
        try:
            with urllib.request.urlopen(self.node.admin_url + "/metrics", timeout=2) as response:
                text = response.read().decode()
        except DOWN:
            return None
        match = re.search(rf"^{name}(?:{{[^}}]*}})? (\d+)", text, re.MULTILINE)
        return int(match.group(1)) if match else 0

    def await_node_moment(self, mode, timeout):
        """Returns once the moment `mode` aims at has come (False: it did not within `timeout`)."""
        watch = LogWatch(self.node.log_path)
        if mode == "random":
            time.sleep(self.random.uniform(0.05, 2.0))
            return True
        if mode == "burst":
            time.sleep(self.random.uniform(0.2, 1.0))
            with self.lock:  # 20 transfers answered at once: the next blocks write them
                for index in range(20):
                    sender = ["alice", "bob", "carol"][index % 3]
                    try:
                        self.native(sender, self.addresses["issuer"], 1 + index)
                    except DOWN:
                        return False
            time.sleep(self.random.uniform(0, 0.15))
            return True
        if mode == "seal":
            start = self.metrics_counter("cloister_batches_closed_total")
            deadline = time.time() + timeout
            while time.time() < deadline:
                now = self.metrics_counter("cloister_batches_closed_total")
                if start is not None and now is not None and now > start:
                    time.sleep(self.random.uniform(0, 0.02))
                    return True
                time.sleep(0.005)
            return False
        if mode == "proof":
            match = watch.wait(r"batch=(\d+) hash=\S+ \[Node\] batch committed", timeout, self.node.process)
            if not match:
                return False
            time.sleep(self.random.uniform(0, 0.5))
            with open(self.node.log_path) as handle:
                return f"batch={match.group(1)} bytes=" not in handle.read()
        if mode == "proven":
            return watch.wait(r"batch proven on the L1", timeout, self.node.process) is not None
        raise ValueError(mode)

    def await_l1_moment(self, mode, timeout):
        watch = LogWatch(self.node.log_path)
        if mode == "commit":
            start = self.metrics_counter("cloister_batches_closed_total")
            deadline = time.time() + timeout
            while time.time() < deadline:
                now = self.metrics_counter("cloister_batches_closed_total")
                if start is not None and now is not None and now > start:
                    time.sleep(self.random.uniform(0, 0.2))  # the next settlement round commits it
                    return True
                time.sleep(0.005)
            return False
        if mode == "prove":
            found = watch.wait(r"bytes=\d+.*batch proven", timeout, self.node.process)
            time.sleep(self.random.uniform(0, 0.25))
            return found is not None
        if mode == "execute":
            return watch.wait(r"batch proven on the L1", timeout, self.node.process) is not None
        raise ValueError(mode)

    def kill_node(self, mode, aim_timeout):
        if not self.await_node_moment(mode, aim_timeout):
            self.figures.aimed_missed[mode] += 1
        self.paused.set()
        self.node.kill()
        self.figures.node_kills[mode] += 1
        result = subprocess.run(
            [BINARY, "audit", "verify", "--config", self.node.config, "--data-dir", self.node.data_dir,
             "--master-key", self.node.master_key], capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            self.figures.audit_failures.append((result.stdout + result.stderr)[-500:])
        self.restart_node()

    def restart_node(self):
        for attempt in range(3):
            started = time.time()
            try:
                self.node.start()
                deadline = time.time() + 120
                while time.time() < deadline:
                    try:
                        if get_json(self.node.url + "/health", timeout=2) is not None:
                            break
                    except DOWN:
                        time.sleep(0.01)
                self.figures.restart_seconds.append(time.time() - started)
                return
            except Exception as error:  # noqa: BLE001 -- a restart that fails is counted, then retried
                self.figures.failed_restarts += 1
                self.log(f"restart {attempt + 1} failed: {error}")
                if self.node.process.poll() is None:
                    self.node.kill()
        raise RuntimeError("the node did not restart three times in a row")

    def kill_l1(self, mode, aim_timeout):
        if not self.await_l1_moment(mode, aim_timeout):
            self.figures.aimed_missed[mode] += 1
        self.l1.kill()
        self.figures.l1_kills[mode] += 1
        time.sleep(self.random.uniform(0.1, 1.5))
        started = time.time()
        self.l1.start()
        self.figures.l1_restart_seconds.append(time.time() - started)

    # MARK: - Checks

    def receipt(self, record):
        # The auditor (read_all) sees real block hashes; a member sees its own view of each block.
        answer = self.rpc("auditor", "eth_getTransactionReceipt", [record["hash"]])
        return answer.get("result")

    def await_receipts(self, timeout):
        """Every acknowledged transaction (and every cut-off one the node accepted) gets a receipt."""
        for tx_hash, record in list(self.maybe.items()):
            if tx_hash in self.acked:
                del self.maybe[tx_hash]
                continue
            # Accepted if the node counts its nonce as used or pending; otherwise it never got in.
            if self.receipt(record) is not None or self.nonces[record["member"]] > record["nonce"]:
                self.acked[tx_hash] = record
                self.figures.accepted_unanswered += 1
            del self.maybe[tx_hash]
        waiting = [record for tx_hash, record in self.acked.items() if tx_hash not in self.receipts]
        # Timeouts count polls, not wall time: a machine that pauses processes (a shared one
        # does) must not turn a pause into a loss.
        for _ in range(int(timeout / 0.2)):
            if not waiting:
                break
            still = []
            for record in waiting:
                receipt = self.receipt(record)
                if receipt is None:
                    still.append(record)
                    continue
                self.receipts[record["hash"]] = self.identity(receipt)
                record["status"] = int(receipt["status"], 16)
            waiting = still
            if waiting:
                time.sleep(0.2)
        for record in waiting:
            self.figures.lost.append(record["hash"])
            del self.acked[record["hash"]]  # counted once

    @staticmethod
    def identity(receipt):
        return (receipt["blockHash"], int(receipt["blockNumber"], 16), int(receipt["transactionIndex"], 16),
                int(receipt["status"], 16), int(receipt["cumulativeGasUsed"], 16), len(receipt["logs"]))

    def check_history(self, sample):
        """Receipts and block hashes seen before are unchanged; the head has not gone back."""
        hashes = list(self.receipts)
        for tx_hash in self.random.sample(hashes, min(sample, len(hashes))):
            receipt = self.receipt(self.acked[tx_hash])
            if receipt is None or self.identity(receipt) != self.receipts[tx_hash]:
                self.figures.changed_receipts.append(tx_hash)
        for identity in self.receipts.values():
            self.blocks.setdefault(identity[1], identity[0])
        numbers = list(self.blocks)
        for number in self.random.sample(numbers, min(sample, len(numbers))):
            block = self.rpc("auditor", "eth_getBlockByNumber", [hex(number), False]).get("result")
            if block is None or block["hash"] != self.blocks[number]:
                self.figures.changed_blocks.append(number)
        head = int(self.rpc("alice", "eth_blockNumber", [])["result"], 16)
        if head < self.figures.max_head:
            self.figures.head_regressions.append((self.figures.max_head, head))
        self.figures.max_head = max(self.figures.max_head, head)

    def totals(self):
        """Native total and EURD holdings over every account the node knows, and the EURD supply."""
        native = eurd = 0
        cursor = None
        while True:
            page = self.admin("/admin/v1/accounts?limit=1000" + (f"&cursor={cursor}" if cursor else ""))
            for account in page["items"]:
                for balance in account["balances"]:
                    if balance["asset"] == "native":
                        native += int(balance["balance"])
                    elif balance["asset"].lower() == EURD.lower():
                        eurd += int(balance["balance"])
            cursor = page.get("nextCursor")
            if not cursor:
                break
        supply = int(self.admin(f"/admin/v1/tokens/{EURD}")["totalSupply"])
        return {"native": native, "eurd": eurd, "supply": supply}

    def expected_totals(self):
        native = self.genesis["native"] + self.deposited["native"]
        supply = self.genesis["supply"] + self.deposited["eurd"]
        for tx_hash, record in self.acked.items():
            if record.get("status") != 1:
                continue
            effect = record["effect"]
            if effect["kind"] == "withdraw-native":
                native -= effect["native"]
            elif effect["kind"] == "withdraw-token" or effect["kind"] == "burn":
                supply -= effect["eurd"]
            elif effect["kind"] == "mint":
                supply += effect["eurd"]
        return {"native": native, "eurd": supply, "supply": supply}

    def check_conservation(self, timeout):
        """Totals match the model once every queued deposit is credited (they arrive from the L1)."""
        self.reconcile_deposits()
        for _ in range(int(timeout / 0.3)):
            found, expected = self.totals(), self.expected_totals()
            if found == expected:
                return
            time.sleep(0.3)
        self.figures.conservation.append({"found": found, "expected": expected})

    def reconcile_deposits(self):
        """What the L1 holds is the truth for deposits whose answer a kill cut off."""
        native = eurd = 0
        start = 0
        while True:
            records = get_json(f"{self.l1.url}/deposits?from={start}&limit=1000")
            for record in records:
                deposit = record["deposit"]
                amount = int(deposit["amount"])
                if deposit["asset"].lower() == NATIVE_ZERO:
                    native += amount
                else:
                    eurd += amount
            if len(records) < 1000:
                break
            start += len(records)
        self.deposited = {"native": native, "eurd": eurd}

    def l1_events(self):
        events, after = [], 0
        while True:
            page = get_json(f"{self.l1.url}/events?after={after}&limit=1000")
            events += page
            if len(page) < 1000:
                return events
            after = page[-1]["sequence"]

    def check_l1(self):
        """Each batch committed, proven and executed at most once; no batch hash changes."""
        seen = {}
        for event in self.l1_events():
            if event["kind"] in ("committed", "proven", "executed"):
                key = (event["kind"], event.get("batchNumber"))
                seen[key] = seen.get(key, 0) + 1
        for key, count in seen.items():
            if count > 1 and (key, count) not in self.figures.l1_duplicates:
                self.figures.l1_duplicates.append((key, count))
        batches = []
        while True:
            page = get_json(f"{self.l1.url}/batches?from={len(batches) + 1}&limit=1000")
            batches += [{"number": int(b["commitment"]["batchNumber"]), "batchHash": b["commitment"]["batchHash"],
                         "status": b["status"]} for b in page]
            if len(page) < 1000:
                break
        for batch in batches:
            known = self.l1_hashes.setdefault(batch["number"], batch["batchHash"])
            if known != batch["batchHash"]:
                self.figures.l1_hash_changes.append(batch["number"])
        self.figures.batches_executed = sum(1 for b in batches if b["status"] == "executed")
        return batches

    def check(self, sample=40):
        """Everything after a restart, with the load paused."""
        with self.lock:
            self.resync()
            self.await_receipts(timeout=90)
            self.check_history(sample)
            self.check_conservation(timeout=60)
            self.check_l1()
            self.figures.checks += 1
            self.paused.clear()

    def await_settlement(self, stall_timeout):
        """Every batch the node sealed ends executed on the L1; stalled if none is executed for `stall_timeout`."""
        status = self.admin("/admin/v1/status")
        sealed = status["batches"]["latestSealed"]
        polls_since_progress, executed_count = 0, -1
        while polls_since_progress < stall_timeout:
            polls_since_progress += 1
            batches = self.check_l1()
            executed = [b["number"] for b in batches if b["status"] == "executed"]
            if executed != list(range(1, len(executed) + 1)):
                self.figures.settlement.append(f"executed out of order: {executed}")
                return
            if len(executed) >= sealed:
                return
            if len(executed) > executed_count:
                polls_since_progress, executed_count = 0, len(executed)
            time.sleep(1)
        self.figures.settlement.append(
            f"{sealed} sealed, {self.figures.batches_executed} executed, none more for {stall_timeout} s")

    def close(self):
        for process in (self.node, self.l1):
            if process.process.poll() is None:
                process.stop()


def run(node_kills, l1_kills, max_minutes, seed, directory=None, aim_timeout=20, settle_timeout=180, log=print,
        fold_interval=8):
    """Runs the harness; returns its `Figures`. Stops early (still checking) at `max_minutes`."""
    own = directory is None
    directory = directory or tempfile.mkdtemp(prefix="cloister-crash-")
    os.makedirs(directory, exist_ok=True)
    harness = Harness(directory, seed, fold_interval=fold_interval, log=log)
    started = time.time()
    try:
        harness.start_load()
        l1_every = max(1, node_kills // max(1, l1_kills)) if l1_kills else None
        done_l1 = 0
        for index in range(node_kills):
            if time.time() - started > max_minutes * 60:
                log(f"time is up after {index} node kills")
                break
            mode = NODE_MODES[index % len(NODE_MODES)]
            harness.kill_node(mode, aim_timeout)
            harness.check()
            if l1_every and index % l1_every == l1_every - 1 and done_l1 < l1_kills:
                harness.kill_l1(L1_MODES[done_l1 % len(L1_MODES)], aim_timeout)
                done_l1 += 1
                harness.check()
            if index % 10 == 9:
                log(f"[{time.time() - started:.0f} s] {index + 1} node kills, {done_l1} L1 kills, head {harness.figures.max_head}, "
                    f"{harness.figures.acknowledged} acknowledged, losses {sum(len(v) for v in harness.figures.losses().values())}")
        while done_l1 < l1_kills and time.time() - started <= max_minutes * 60:
            harness.kill_l1(L1_MODES[done_l1 % len(L1_MODES)], aim_timeout)
            done_l1 += 1
            harness.check()
        harness.stop_load()
        harness.check(sample=10**9)
        harness.await_settlement(settle_timeout)
    finally:
        harness.stopping.set()
        harness.close()
        if own:
            shutil.rmtree(directory, ignore_errors=True)
    log(f"crash run: {time.time() - started:.0f} s, seed {seed}")
    log(harness.figures.summary())
    return harness.figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--node-kills", type=int, default=100)
    parser.add_argument("--l1-kills", type=int, default=20)
    parser.add_argument("--max-minutes", type=float, default=60)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--keep", help="keep the run's files in this folder")
    arguments = parser.parse_args()
    figures = run(arguments.node_kills, arguments.l1_kills, arguments.max_minutes, arguments.seed,
                  directory=arguments.keep, log=lambda line: print(line, flush=True))
    lost = sum(len(found) for found in figures.losses().values())
    sys.exit(1 if lost else 0)


if __name__ == "__main__":
    main()
