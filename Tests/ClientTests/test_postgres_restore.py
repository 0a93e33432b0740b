"""Issue #28: a backup of a PostgreSQL node restores. The node is stopped, its database dumped
(`pg_dump -Fc`, what docs/DEPLOY.md tells an operator to do), dropped, created again and restored
(`pg_restore`); the node then starts on the same head, with the same blocks, receipts and balances,
and goes on producing blocks."""
import os
import shutil
import tempfile

from eth_account import Account

from conftest import Node, POSTGRES_URL, postgres_run, postgres_url, read_key, require_postgres
from test_web3 import EURD, ERC20_ABI, connect


def chain_view(node, key, hashes):
    """What a member sees of the chain: the head block, its receipts and its balances."""
    w3 = connect(node, key)
    head = w3.eth.get_block("latest")
    receipts = [dict(w3.eth.get_transaction_receipt(tx_hash)) for tx_hash in hashes]
    eurd = w3.eth.contract(address=EURD, abi=ERC20_ABI)
    address = Account.from_key(key).address
    return {
        "head": (head["number"], head["hash"], head["stateRoot"]),
        "receipts": [(r["blockHash"], r["blockNumber"], r["transactionIndex"], r["status"]) for r in receipts],
        "balances": (w3.eth.get_balance(address), eurd.functions.balanceOf(address).call()),
    }


def test_a_dump_dropped_and_restored_database_resumes_on_the_same_head():
    require_postgres()
    directory = tempfile.mkdtemp(prefix="cloister-client-pg-restore-")
    node = Node(directory, store="postgres")
    try:
        alice = Account.from_key(read_key("alice"))
        carol = Account.from_key(read_key("carol"))
        w3 = connect(node, alice.key)
        eurd = w3.eth.contract(address=EURD, abi=ERC20_ABI)
        nonce = w3.eth.get_transaction_count(alice.address, "pending")
        hashes = []
        for offset, amount in enumerate([1_000_000, 2_500_000, 4_000_000]):
            transaction = eurd.functions.transfer(carol.address, amount).build_transaction(
                {"from": alice.address, "nonce": nonce + offset})
            hashes.append(w3.eth.send_raw_transaction(alice.sign_transaction(transaction).raw_transaction))
        hashes.append(w3.eth.send_raw_transaction(alice.sign_transaction(
            {"to": carol.address, "value": 12345, "gas": 21_000, "gasPrice": 0, "nonce": nonce + 3,
             "chainId": w3.eth.chain_id}).raw_transaction))
        for tx_hash in hashes:
            assert w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.1)["status"] == 1
        node.stop()
        node.start()
        before = chain_view(node, alice.key, hashes)
        node.stop()

        backup = os.path.join(directory, "cloister.dump")
        postgres_run("pg_dump", "--no-owner", "-Fc", "-f", backup, "-d", postgres_url(node.database))
        postgres_run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", POSTGRES_URL, "-c", f"DROP DATABASE {node.database}")
        postgres_run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", POSTGRES_URL, "-c", f"CREATE DATABASE {node.database}")
        postgres_run("pg_restore", "--no-owner", "--exit-on-error", "-d", postgres_url(node.database), backup)

        node.start()
        assert chain_view(node, alice.key, hashes) == before
        # It goes on from there: a new transfer is executed in a block after the restored head.
        w3 = connect(node, alice.key)
        tx_hash = w3.eth.send_raw_transaction(alice.sign_transaction(
            {"to": carol.address, "value": 1, "gas": 21_000, "gasPrice": 0, "nonce": nonce + 4,
             "chainId": w3.eth.chain_id}).raw_transaction)
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.1)
        assert receipt["status"] == 1 and receipt["blockNumber"] > before["head"][0]
    finally:
        if node.process.poll() is None:
            node.stop()
        shutil.rmtree(directory, ignore_errors=True)
