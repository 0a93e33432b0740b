"""Issue #29: the node's data directory on a small file system that fills up under load. The node
refuses new transactions with an error that says why, loses nothing it acknowledged, and goes on
by itself once space returns (a filler file deleted). Linux; needs root to mount the small file
system (tmpfs, or a loop-mounted ext4 image when tmpfs cannot be mounted)."""
import os
import shutil
import subprocess
import tempfile
import time

import pytest
from eth_account import Account

from conftest import STORE, Node, read_key
from crash_harness import post_json
from test_settlement import L1
from test_web3 import CHAIN_ID, sign_in

SIZE_MB = 48


def mount_small_filesystem(directory):
    """Mounts a SIZE_MB file system at `directory`; returns how to unmount it, or a reason it cannot."""
    if os.geteuid() != 0:
        return None, "mounting a small file system needs root"
    tmpfs = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE_MB}m", "tmpfs", directory], capture_output=True, text=True)
    if tmpfs.returncode == 0:
        return ["umount", "-l", directory], None
    image = directory + ".img"
    steps = [["truncate", "-s", f"{SIZE_MB}M", image], ["mkfs.ext4", "-q", "-F", image], ["mount", "-o", "loop", image, directory]]
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True)
        if result.returncode != 0:
            return None, f"neither tmpfs ({tmpfs.stderr.strip()}) nor a loop mount ({result.stderr.strip()}) is permitted here"
    return ["umount", "-l", directory], None


def fill(path, keep_bytes=0):
    """Writes a filler file until the file system is full (less `keep_bytes`)."""
    chunk = b"\0" * (1 << 20)
    with open(path, "wb") as handle:
        try:
            while True:
                free = shutil.disk_usage(os.path.dirname(path)).free
                if free <= keep_bytes:
                    break
                handle.write(chunk[: min(len(chunk), free - keep_bytes)])
                handle.flush()
        except OSError:
            pass  # ENOSPC: full


class Sender:
    """Native transfers from one member, nonces kept locally; records what the node answered."""

    def __init__(self, node, member, to):
        self.node, self.key, self.to = node, read_key(member), to
        self.address = Account.from_key(self.key).address
        self.token = sign_in(node, self.key)
        self.nonce = int(self.rpc("eth_getTransactionCount", [self.address, "pending"])["result"], 16)
        self.acknowledged = []
        self.refusals = []

    def rpc(self, method, params):
        return post_json(self.node.url, {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, token=self.token)

    def send(self, amount=1):
        transaction = {"to": self.to, "value": amount, "gas": 21_000, "gasPrice": 0, "chainId": CHAIN_ID, "nonce": self.nonce}
        signed = Account.sign_transaction(transaction, self.key)
        answer = self.rpc("eth_sendRawTransaction", ["0x" + signed.raw_transaction.hex().removeprefix("0x")])
        if "error" in answer:
            self.refusals.append(answer["error"]["message"])
            return False
        self.acknowledged.append(answer["result"])
        self.nonce += 1
        return True

    def receipts(self, timeout):
        """The acknowledged transactions that have no receipt after `timeout`."""
        missing = list(self.acknowledged)
        deadline = time.time() + timeout
        while missing and time.time() < deadline:
            missing = [h for h in missing if self.rpc("eth_getTransactionReceipt", [h]).get("result") is None]
            if missing:
                time.sleep(0.2)
        return missing


@pytest.mark.skipif(STORE == "postgres", reason="on PostgreSQL the chain is in the database, not on the data directory's "
                    "filesystem this test fills (the PostgreSQL outage test covers a store that cannot write)")
def test_full_disk_refuses_new_transactions_loses_nothing_and_resumes_when_space_returns():
    directory = tempfile.mkdtemp(prefix="cloister-diskfull-")
    mount_point = os.path.join(directory, "small")
    os.makedirs(mount_point)
    unmount, reason = mount_small_filesystem(mount_point)
    if unmount is None:
        shutil.rmtree(directory, ignore_errors=True)
        pytest.skip(reason)
    l1 = node = None
    try:
        l1 = L1(directory)  # the L1's own file stays on the big disk: this test fills the node's
        node_directory = os.path.join(directory, "node")
        os.makedirs(node_directory)
        # The node's data directory is on the small file system.
        os.makedirs(os.path.join(mount_point, "data"))
        os.symlink(os.path.join(mount_point, "data"), os.path.join(node_directory, "data"))
        node = Node(node_directory, extra_args=["--l1", l1.url],
                    edits=[("max_interval_ms = 10000", "max_interval_ms = 500"), ("poll_interval_ms = 1000", "poll_interval_ms = 200")])
        bob = Account.from_key(read_key("bob")).address
        alice = Sender(node, "alice", bob)
        for _ in range(20):
            assert alice.send()
        assert alice.receipts(timeout=60) == []

        # Full, with acknowledged transactions not yet in a block: the node keeps answering, and
        # refuses what it cannot record, saying why.
        for _ in range(30):
            assert alice.send()
        filler = os.path.join(mount_point, "filler")
        fill(filler)
        deadline = time.time() + 120
        while not alice.refusals and time.time() < deadline:
            alice.send()
            if not alice.refusals and shutil.disk_usage(mount_point).free > 0:
                fill(filler + str(time.time()))  # what SQLite freed is taken again
        assert alice.refusals, "the node went on accepting transactions on a full disk"
        assert node.process.poll() is None, "the node died on a full disk"
        assert "cannot record new transactions" in alice.refusals[0], alice.refusals[0]
        assert "disk holding" in alice.refusals[0] and "is full" in alice.refusals[0], alice.refusals[0]
        acknowledged_while_full = len(alice.acknowledged)
        with open(node.log_path) as handle:
            failed_blocks = handle.read().count("could not be stored")
        print(f"full after {acknowledged_while_full} acknowledged, {failed_blocks} block writes failed; refused: {alice.refusals[0]}")

        # Space returns: the node goes on by itself; everything it acknowledged runs.
        for name in os.listdir(mount_point):
            if name.startswith("filler"):
                os.remove(os.path.join(mount_point, name))
        deadline = time.time() + 60
        while time.time() < deadline and not alice.send():
            time.sleep(0.5)
        for _ in range(10):
            assert alice.send(), alice.refusals[-1]
        assert alice.receipts(timeout=90) == [], "acknowledged transactions lost"
        assert len(alice.acknowledged) > acknowledged_while_full

        # And after a crash, too: every acknowledged transaction is still there.
        node.kill()
        node.start()
        alice.token = sign_in(node, alice.key)
        assert alice.receipts(timeout=60) == []
        assert node.process.poll() is None
    finally:
        for process in (node, l1):
            if process is not None and process.process.poll() is None:
                process.stop()
        subprocess.run(unmount, capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)
