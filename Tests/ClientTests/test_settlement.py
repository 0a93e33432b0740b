"""Two processes, `cloister l1` and `cloister node --l1 URL`, on the devnet config: batches are
committed with every public field, nothing private reaches the L1, and both sides survive being
killed and restarted."""
import json
import os
import shutil
import subprocess
import tempfile
import time

from eth_account import Account
from web3 import Web3

from conftest import BINARY, ROOT, Node, free_port, read_key, wait_for_log
from test_web3 import CHAIN_ID, ERC20_ABI, EURD, connect, sign_in

PUBLIC_FIELDS = {
    "number", "status", "batchNumber", "batchHash", "previousBatchHash", "previousStateRoot", "newStateRoot",
    "operationsCommitment", "firstDepositIndex", "depositCount", "depositHash", "withdrawalCount",
    "withdrawalsRoot", "policyHash", "auditLogHead", "timestamp", "committedAt",
}
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
    directory = tempfile.mkdtemp(prefix="cloister-settlement-")
    l1 = L1(directory)
    node_directory = os.path.join(directory, "node")
    os.makedirs(node_directory)
    node = Node(
        node_directory, extra_args=["--l1", l1.url],
        edits=[("max_interval_ms = 10000", "max_interval_ms = 500"), ("poll_interval_ms = 1000", "poll_interval_ms = 200")],
    )
    try:
        auditor = sign_in(node, read_key("auditor"))
        bob = Web3.to_checksum_address("0xb45f739e9BaC48192cf8d17E03E6D216356d94D6")

        send_transfers(node, 3, bob, AMOUNTS)
        wait_until(lambda: sealed_batches(node, auditor) >= 1, what="a sealed batch")
        batches = wait_until(lambda: [b for b in l1.cli("batches") if b["status"] == "committed"], what="a committed batch")
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
        assert all(b["status"] == "committed" for b in batches)
        for previous, batch in zip(batches, batches[1:]):
            assert batch["previousBatchHash"] == previous["batchHash"]
            assert batch["previousStateRoot"] == previous["newStateRoot"]
        events = l1.cli("events")
        committed = [e for e in events if e["kind"] == "committed"]
        assert len(committed) == len(batches), "a batch was committed twice"
        status, admin_batches = node.admin_get("/admin/v1/batches?limit=1000", auditor)
        assert status == 200
        assert {b["number"] for b in admin_batches["items"] if b["status"] == "committed"} == set(numbers)

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
    finally:
        node.stop()
        if l1.process.poll() is None:
            l1.stop()
        shutil.rmtree(directory, ignore_errors=True)
