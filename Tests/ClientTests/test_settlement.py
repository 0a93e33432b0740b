"""Two processes, `cloister l1` and `cloister node --l1 URL`, on the devnet config: batches are
committed with every public field, nothing private reaches the L1, and both sides survive being
killed and restarted."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from eth_account import Account
from web3 import Web3

from conftest import BINARY, ROOT, Node, free_port, read_key, wait_for_log
from test_web3 import CHAIN_ID, ERC20_ABI, EURD, connect, sign_in

PUBLIC_FIELDS = {
    "number", "status", "batchNumber", "batchHash", "previousBatchHash", "previousStateRoot", "newStateRoot",
    "operationsCommitment", "firstDepositIndex", "depositCount", "depositHash", "withdrawalCount",
    "withdrawalsRoot", "policyHash", "auditLogHead", "timestamp", "committedAt",
}
# A batch on the L1 from its commit on: the node's prover moves it on to proven and executed.
SETTLED = {"committed", "proven", "executed"}
BRIDGE = "0x000000000000000000000000000000000000B41D"
# Distinctive amounts (EURD base units) whose every encoding is searched for on the L1 side.
AMOUNTS = [987_654_321, 123_456_789, 555_444_333]


class L1:
    """A `cloister l1` process on a fixed port, so that it can come back where the node expects it."""

    def __init__(self, directory):
        self.directory = directory
        self.data_dir = os.path.join(directory, "l1-data")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.starts = 0
        self.start()

    def start(self):
        self.starts += 1
        self.log_path = os.path.join(self.directory, f"l1-{self.starts}.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [BINARY, "l1", "--config", os.path.join(ROOT, "Config", "l1.toml"), "--data-dir", self.data_dir,
             "--listen", f"127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=self.directory,
        )
        wait_for_log(self.log_path, r"L1 settlement mock listening", self.process)

    def kill(self):
        self.process.kill()
        self.process.wait(timeout=30)
        self.log.close()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()

    def cli(self, *args):
        result = subprocess.run([BINARY, "l1", *args, "--l1", self.url], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


class NodeOnL1:
    """A node (`cloister node --l1 URL`) on an L1 mock process of its own, in one temporary directory,
    settling every `interval_ms` with the L1 polled every 200 ms, so a test sees batches within seconds.
    A context manager: on leaving, whichever of the two still runs is stopped and the directory removed."""

    def __init__(self, prefix, interval_ms=500, edits=()):
        self.directory = tempfile.mkdtemp(prefix=prefix)
        self.node = None
        self.l1 = None
        try:
            self.l1 = L1(self.directory)
            node_directory = os.path.join(self.directory, "node")
            os.makedirs(node_directory)
            self.node = Node(node_directory, extra_args=["--l1", self.l1.url], edits=[
                ("max_interval_ms = 10000", f"max_interval_ms = {interval_ms}"),
                ("poll_interval_ms = 1000", "poll_interval_ms = 200"), *edits])
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()

    def close(self):
        for process in (self.node, self.l1):
            if process is not None and process.process.poll() is None:
                process.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def send_transfers(node, count, to, amounts):
    w3 = connect(node, read_key("alice"))
    alice = Account.from_key(read_key("alice"))
    token = w3.eth.contract(address=EURD, abi=ERC20_ABI)
    nonce = w3.eth.get_transaction_count(alice.address, "pending")
    hashes = []
    for index in range(count):
        tx = token.functions.transfer(to, amounts[index % len(amounts)]).build_transaction(
            {"chainId": CHAIN_ID, "nonce": nonce + index, "gas": 100_000, "maxFeePerGas": 0, "maxPriorityFeePerGas": 0})
        hashes.append(w3.eth.send_raw_transaction(alice.sign_transaction(tx).raw_transaction))
    for tx_hash in hashes:
        assert w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30).status == 1


def wait_until(predicate, timeout=60, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def sealed_batches(node, token):
    status, body = node.admin_get("/admin/v1/status", token)
    assert status == 200, body
    return body["batches"]["latestSealed"]


def test_two_processes_settle_every_batch_once_through_l1_and_node_restarts():
    with NodeOnL1("cloister-settlement-") as chain:
        directory, l1, node = chain.directory, chain.l1, chain.node
        auditor = sign_in(node, read_key("auditor"))
        bob = Web3.to_checksum_address("0xb45f739e9BaC48192cf8d17E03E6D216356d94D6")

        send_transfers(node, 3, bob, AMOUNTS)
        wait_until(lambda: sealed_batches(node, auditor) >= 1, what="a sealed batch")
        batches = wait_until(lambda: [b for b in l1.cli("batches") if b["status"] in SETTLED], what="a committed batch")
        for batch in batches:
            assert PUBLIC_FIELDS <= set(batch), set(batch) ^ PUBLIC_FIELDS

        # The L1 goes away (SIGKILL) while the node seals more batches; it comes back and catches up.
        l1.kill()
        send_transfers(node, 3, bob, AMOUNTS)
        sealed = wait_until(lambda: sealed_batches(node, auditor) > batches[-1]["number"] and sealed_batches(node, auditor),
                            what="a batch sealed while the L1 is down")
        l1.start()
        wait_until(lambda: len(l1.cli("batches")) >= sealed, what="the L1 catching up")

        # The node is killed (no graceful stop) and restarted: settlement resumes where it stopped.
        node.kill()
        node.start()
        auditor = sign_in(node, read_key("auditor"))
        send_transfers(node, 3, bob, AMOUNTS)
        final = wait_until(lambda: sealed_batches(node, auditor) > sealed and sealed_batches(node, auditor),
                           what="a batch sealed after the restart")
        wait_until(lambda: len(l1.cli("batches")) >= final, what="commits after the node restart")

        batches = l1.cli("batches")
        numbers = [b["number"] for b in batches]
        assert numbers == list(range(1, len(numbers) + 1)), numbers
        assert all(b["status"] in SETTLED for b in batches)
        for previous, batch in zip(batches, batches[1:]):
            assert batch["previousBatchHash"] == previous["batchHash"]
            assert batch["previousStateRoot"] == previous["newStateRoot"]
        events = l1.cli("events")
        committed = [e for e in events if e["kind"] == "committed"]
        assert len(committed) == len(batches), "a batch was committed twice"
        status, admin_batches = node.admin_get("/admin/v1/batches?limit=1000", auditor)
        assert status == 200
        assert {b["number"] for b in admin_batches["items"] if b["status"] in SETTLED} == set(numbers)

        # Nothing private on the L1: no member address, amount or balance in its database or its API output.
        l1.stop()
        stored = b""
        for name in os.listdir(l1.data_dir):
            with open(os.path.join(l1.data_dir, name), "rb") as handle:
                stored += handle.read()
        outputs = json.dumps(batches + events).encode().lower()
        secrets = []
        for member in ["alice", "bob", "carol", "issuer", "auditor"]:
            address = Account.from_key(read_key(member)).address
            secrets += [bytes.fromhex(address[2:]), address[2:].lower().encode()]
        for amount in AMOUNTS:
            secrets += [amount.to_bytes(32, "big"), amount.to_bytes(8, "little"), str(amount).encode(),
                        format(amount, "x").encode()]
        w3 = connect(node, read_key("alice"))
        balance = w3.eth.contract(address=EURD, abi=ERC20_ABI).functions.balanceOf(
            Account.from_key(read_key("alice")).address).call()
        secrets += [str(balance).encode(), balance.to_bytes(32, "big")]
        for secret in secrets:
            assert secret not in stored, f"{secret!r} found in the L1 database"
            assert secret.lower() not in outputs, f"{secret!r} found in the L1 API output"


def test_deposits_transfers_and_withdrawals_are_proven_executed_verified_by_anyone_and_paid_out():
    """Issue #10's end to end: the node proves every batch with the STARK prover, the `cloister l1`
    process verifies and executes them, `cloister verify` re-checks them from the L1 alone, and a
    withdrawal is finalised on the L1 with its Merkle proof."""
    with NodeOnL1("cloister-proofs-") as chain:
        directory, l1, node = chain.directory, chain.l1, chain.node
        alice = Account.from_key(read_key("alice"))
        bob = Web3.to_checksum_address("0xb45f739e9BaC48192cf8d17E03E6D216356d94D6")
        w3 = connect(node, read_key("alice"))
        token = w3.eth.contract(address=EURD, abi=ERC20_ABI)
        before = token.functions.balanceOf(alice.address).call()

        # Deposits on the L1 (EURD and native) to alice, a stream of transfers, then a withdrawal.
        l1.cli("deposit", "--to", alice.address, "--asset", EURD, "--amount", "5000")
        l1.cli("deposit", "--to", alice.address, "--asset", "native", "--amount", "70000")
        wait_until(lambda: token.functions.balanceOf(alice.address).call() == before + 5000, what="the deposit credited")
        send_transfers(node, 4, bob, AMOUNTS)
        nonce = w3.eth.get_transaction_count(alice.address, "pending")
        tx = token.functions.transfer(BRIDGE, 1234).build_transaction(
            {"chainId": CHAIN_ID, "nonce": nonce, "gas": 100_000, "maxFeePerGas": 0, "maxPriorityFeePerGas": 0})
        withdrawal = w3.eth.send_raw_transaction(alice.sign_transaction(tx).raw_transaction)
        assert w3.eth.wait_for_transaction_receipt(withdrawal, timeout=30).status == 1
        send_transfers(node, 2, bob, AMOUNTS)

        def withdrawal_proof():
            response = w3.provider.make_request("cloister_getWithdrawalProof", [Web3.to_hex(withdrawal)])
            return response.get("result")

        claim = wait_until(withdrawal_proof, what="the withdrawal's batch sealed")
        # Every batch up to the withdrawal's reaches executed on the L1 with an accepted proof.
        wait_until(lambda: all(b["status"] == "executed" for b in l1.cli("batches") if b["number"] <= claim["batch"])
                   and len(l1.cli("batches")) >= claim["batch"], timeout=180, what="the batches executed")
        events = l1.cli("events")
        assert any(e["kind"] == "proven" for e in events)
        assert not any(e["kind"] == "proof-rejected" for e in events)

        # Anyone finalises the withdrawal on the L1 with the node's proof; once only.
        request = urllib.request.Request(
            l1.url + "/withdrawals", data=json.dumps(claim["proof"]).encode(), method="POST",
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            paid = json.loads(response.read())
        assert paid["withdrawal"]["amount"] in ("1234", 1234, hex(1234)), paid
        assert paid["withdrawal"]["recipient"].lower() == alice.address.lower()
        try:
            urllib.request.urlopen(request, timeout=30)
            raise AssertionError("a withdrawal was paid out twice")
        except urllib.error.HTTPError as error:
            assert error.code == 422, error.code

        # An auditor with only the L1's URL verifies every batch.
        result = subprocess.run([BINARY, "verify", "--l1", l1.url], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        lines = [line for line in result.stdout.splitlines() if line.startswith("batch ")]
        verified = [line for line in lines if line.endswith(": verified")]
        assert len(verified) >= claim["batch"], result.stdout
        assert "REFUSED" not in result.stdout


def node_roots(node, token):
    """The node's recorded batch roots by number, and the state root of every block header."""
    status, body = node.admin_get("/admin/v1/batches?limit=1000", token)
    assert status == 200, body
    batches = {b["number"]: b["stateRoot"].lower() for b in body["items"]}
    status, head = node.admin_get("/admin/v1/status", token)
    assert status == 200, head
    headers = []
    for number in range(head["headBlock"]["number"] + 1):
        status, block = node.admin_get(f"/admin/v1/blocks/{number}", token)
        assert status == 200, block
        headers.append(block["stateRoot"].lower())
    return batches, headers


def check_roots_agree(node, l1, token):
    """Header roots, the node's batch roots and the L1's roots are one tree's roots."""
    batches, headers = node_roots(node, token)
    assert set(headers) <= set(batches.values()), "a block header carries a root no batch recorded"
    on_l1 = l1.cli("batches")
    for batch in on_l1:
        assert batch["newStateRoot"].lower() == batches[batch["number"]], f"batch {batch['number']}: L1 and node roots differ"
        assert batch["previousStateRoot"].lower() == batches[batch["number"] - 1]
    return batches, on_l1


def send_without_waiting(node, count, to):
    """Signs and sends `count` EURD transfers from alice; returns their hashes (receipts not awaited)."""
    w3 = connect(node, read_key("alice"))
    alice = Account.from_key(read_key("alice"))
    token = w3.eth.contract(address=EURD, abi=ERC20_ABI)
    nonce = w3.eth.get_transaction_count(alice.address, "pending")
    hashes = []
    for index in range(count):
        tx = token.functions.transfer(to, 1_000_000 + index).build_transaction(
            {"chainId": CHAIN_ID, "nonce": nonce + index, "gas": 100_000, "maxFeePerGas": 0, "maxPriorityFeePerGas": 0})
        hashes.append(w3.eth.send_raw_transaction(alice.sign_transaction(tx).raw_transaction))
    return hashes


def test_sigkill_during_seals_and_proofs_leaves_header_batch_and_l1_roots_in_agreement():
    """Issues #27 and #29: the node is killed (SIGKILL) right as blocks close batches and while a batch
    is being proven; after every restart every transaction whose hash was answered executes, the block
    headers, the stored batch roots and the L1's roots are the same tree's, and settlement goes on
    until every sealed batch is executed on the L1."""
    with NodeOnL1("cloister-kill-", interval_ms=200) as chain:
        directory, l1, node = chain.directory, chain.l1, chain.node
        bob = Web3.to_checksum_address("0xb45f739e9BaC48192cf8d17E03E6D216356d94D6")
        auditor = sign_in(node, read_key("auditor"))
        send_transfers(node, 2, bob, AMOUNTS)
        wait_until(lambda: sealed_batches(node, auditor) >= 1, what="a first sealed batch")

        # Killed as batches close: transfers in flight, a seal due every 200 ms. Every transfer whose
        # hash was answered before the kill is executed after the restart (durable admission).
        for delay in (0.0, 0.05, 0.2, 0.4):
            answered = send_without_waiting(node, 4, bob)
            time.sleep(delay)
            node.kill()
            node.start()
            auditor = sign_in(node, read_key("auditor"))
            w3 = connect(node, read_key("alice"))
            for tx_hash in answered:
                assert w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60).status == 1
            check_roots_agree(node, l1, auditor)

        # Killed while a batch is being proven: committed on the L1, its proof not yet made.
        send_without_waiting(node, 4, bob)
        log_path = node.log_path
        committed = wait_for_log(log_path, r"batch=(\d+) hash=\S+ \[Node\] batch committed", node.process, timeout=120)
        with open(log_path) as handle:
            assert f"batch={committed.group(1)} bytes=" not in handle.read(), "the batch was proven before the kill"
        node.kill()
        node.start()
        auditor = sign_in(node, read_key("auditor"))
        check_roots_agree(node, l1, auditor)

        # Settlement continues: every sealed batch ends executed on the L1, each committed once.
        sealed = sealed_batches(node, auditor)
        wait_until(lambda: all(b["status"] == "executed" for b in l1.cli("batches")) and len(l1.cli("batches")) >= sealed,
                   timeout=240, what="every sealed batch executed on the L1")
        batches, on_l1 = check_roots_agree(node, l1, auditor)
        assert [b["number"] for b in on_l1] == list(range(1, len(on_l1) + 1))
        events = l1.cli("events")
        assert len([e for e in events if e["kind"] == "committed"]) == len(on_l1), "a batch was committed twice"
        assert int(committed.group(1)) in [b["number"] for b in on_l1]
