"""A node on PostgreSQL: web3.py transfers, then a `pg_dump` of its database (what a backup holds)
has no member address in any case, no amount and no token symbol or name in it."""
import json
import re
import shutil
import tempfile
import urllib.request

import pytest
from eth_account import Account
from web3 import Web3

from conftest import ROOT, Node, read_key, require_postgres
from test_web3 import EURD, ERC20_ABI, connect

AMOUNTS = [1_234_567, 7_654_321, 31_415_926]


@pytest.fixture(scope="module")
def postgres_node():
    require_postgres()
    directory = tempfile.mkdtemp(prefix="cloister-client-pg-")
    running = Node(directory, store="postgres")
    yield running
    if running.process.poll() is None:
        running.stop()
    shutil.rmtree(directory, ignore_errors=True)


def config_addresses():
    """Every member and token address of the devnet config."""
    with open(f"{ROOT}/Config/cloister.toml") as handle:
        return re.findall(r'^address = "(0x[0-9a-fA-F]{40})"', handle.read(), re.MULTILINE)


def test_pg_dump_after_transfers_holds_no_address_amount_or_symbol(postgres_node):
    with urllib.request.urlopen(postgres_node.url + "/health", timeout=10) as response:
        assert json.loads(response.read())["store"] == "postgres"
    alice = Account.from_key(read_key("alice"))
    carol = Account.from_key(read_key("carol"))
    w3 = connect(postgres_node, alice.key)
    eurd = w3.eth.contract(address=EURD, abi=ERC20_ABI)
    nonce = w3.eth.get_transaction_count(alice.address, "pending")
    hashes = []
    for offset, amount in enumerate(AMOUNTS):
        transaction = eurd.functions.transfer(carol.address, amount).build_transaction(
            {"from": alice.address, "nonce": nonce + offset})
        hashes.append(w3.eth.send_raw_transaction(alice.sign_transaction(transaction).raw_transaction))
    for tx_hash in hashes:
        assert w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.1)["status"] == 1
    balances = [eurd.functions.balanceOf(alice.address).call()]
    # Restarted on the same database: the chain reads back from PostgreSQL.
    postgres_node.stop()
    postgres_node.start()
    assert connect(postgres_node, alice.key).eth.get_transaction_receipt(hashes[-1])["status"] == 1
    postgres_node.stop()

    dump = postgres_node.dump()
    assert b"CREATE TABLE public.blocks" in dump  # the scan does see what the dump holds in the clear
    assert len(dump) > 20_000
    assert_no_plaintext(dump, AMOUNTS + balances)


def assert_no_plaintext(dump, amounts):
    """No member or token address (any case), amount or token symbol or name in a `pg_dump`: also
    none in the forms a witness holds them (amounts as little-endian 64-bit words, bytea in hex)."""
    needles = []
    for address in config_addresses():
        checksummed = Web3.to_checksum_address(address)
        needles += [address[2:].lower(), address[2:].upper(), checksummed[2:]]
    for amount in amounts:
        needles += [str(amount), amount.to_bytes(32, "big").hex()]
        if amount < 2 ** 64:
            needles.append(amount.to_bytes(8, "little").hex())
    needles += ["EURD", "GBPD", "Digital Euro Deposit", "Digital Sterling Deposit"]
    text = dump.decode("utf-8", errors="replace")
    for needle in needles:
        assert needle not in text, f"the dump holds {needle} in plaintext"
