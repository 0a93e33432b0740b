"""What web3.py shows a member about failures: dry runs with the reason, and a failed
receipt's reason for its sender only (docs/PRIVACY.md)."""
import pytest
from eth_abi import decode
from eth_account import Account
from web3.exceptions import ContractLogicError

from conftest import read_key
from test_web3 import CHAIN_ID, ERC20_ABI, EURD, connect


@pytest.fixture(scope="module")
def alice():
    return Account.from_key(read_key("alice"))


@pytest.fixture(scope="module")
def carol():
    return Account.from_key(read_key("carol"))


def test_call_dry_run_of_a_transfer_shows_why_it_would_fail(node, alice, carol):
    w3 = connect(node, alice.key)
    eurd = w3.eth.contract(address=EURD, abi=ERC20_ABI)
    balance = eurd.functions.balanceOf(alice.address).call()
    assert eurd.functions.transfer(carol.address, 1_000_000).call({"from": alice.address}) is True
    with pytest.raises(ContractLogicError) as failure:
        eurd.functions.transfer(carol.address, balance + 1).call({"from": alice.address})
    assert "exceeds balance" in str(failure.value)
    # A policy refusal is a revert too, naming the rule.
    with pytest.raises(ContractLogicError) as refusal:
        eurd.functions.transfer(carol.address, 20_000_000 * 10**6).call({"from": alice.address})
    assert "eurd-transfer-size" in str(refusal.value)


def test_failed_receipt_gives_the_reason_to_its_sender_only(node, alice, carol):
    w3 = connect(node, alice.key)
    eurd = w3.eth.contract(address=EURD, abi=ERC20_ABI)
    balance = eurd.functions.balanceOf(alice.address).call()
    transaction = eurd.functions.transfer(carol.address, balance + 1).build_transaction(
        {"from": alice.address, "gas": 100_000, "maxFeePerGas": 0, "maxPriorityFeePerGas": 0,
         "nonce": w3.eth.get_transaction_count(alice.address, "pending"), "chainId": CHAIN_ID})
    tx_hash = w3.eth.send_raw_transaction(alice.sign_transaction(transaction).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.1)
    assert receipt["status"] == 0
    reason_data = bytes.fromhex(receipt["revertReason"].removeprefix("0x"))  # web3.py leaves unknown fields as hex text
    assert reason_data[:4] == bytes.fromhex("08c379a0")  # Error(string), as Besu answers
    assert "exceeds balance" in decode(["string"], reason_data[4:])[0]

    # The recipient sees that the transfer failed, not why.
    seen_by_carol = connect(node, carol.key).eth.get_transaction_receipt(tx_hash)
    assert seen_by_carol["status"] == 0
    assert "revertReason" not in seen_by_carol
    # ...nor alice's nonce or signature: they are withheld from a transaction's other parties.
    transaction_seen = connect(node, carol.key).eth.get_transaction(tx_hash)
    assert transaction_seen["nonce"] == 0
    assert int.from_bytes(transaction_seen["r"], "big") == 0 and int.from_bytes(transaction_seen["s"], "big") == 0


def test_block_hash_round_trips_for_a_member(node, alice):
    """web3.py's get_block, get_block by hash and logs by block hash work with view hashes."""
    w3 = connect(node, alice.key)
    latest = w3.eth.get_block("latest")
    again = w3.eth.get_block(latest["hash"])
    assert again["number"] == latest["number"] and again["hash"] == latest["hash"]
    assert w3.eth.get_logs({"blockHash": latest["hash"]}) is not None
    if latest["number"] > 0:
        parent = w3.eth.get_block(latest["number"] - 1)
        assert latest["parentHash"] == parent["hash"]
    assert int.from_bytes(latest["stateRoot"], "big") == 0  # withheld: the state commitment is on the L1
