"""web3.py and eth-account against a real node, unchanged apart from the bearer token."""
import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3RPCError

from conftest import read_key

CHAIN_ID = 271828
EURD = Web3.to_checksum_address("0xe0d0000000000000000000000000000000000001")
ERC20_ABI = [
    {"name": "balanceOf", "type": "function", "stateMutability": "view",
     "inputs": [{"name": "owner", "type": "address"}], "outputs": [{"name": "", "type": "uint256"}]},
    {"name": "transfer", "type": "function", "stateMutability": "nonpayable",
     "inputs": [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}],
     "outputs": [{"name": "", "type": "bool"}]},
    {"name": "decimals", "type": "function", "stateMutability": "view", "inputs": [],
     "outputs": [{"name": "", "type": "uint8"}]},
    {"name": "Transfer", "type": "event", "anonymous": False,
     "inputs": [{"name": "from", "type": "address", "indexed": True},
                {"name": "to", "type": "address", "indexed": True},
                {"name": "value", "type": "uint256", "indexed": False}]},
]


def sign_in(node, key):
    """Wallet sign-in (EIP-4361) exactly as a dapp does it with eth-account."""
    account = Account.from_key(key)
    challenge = node.post("/auth/challenge", {"address": account.address})
    signed = Account.sign_message(encode_defunct(text=challenge["message"]), private_key=key)
    login = node.post("/auth/login", {"message": challenge["message"], "signature": "0x" + signed.signature.hex().removeprefix("0x")})
    assert login["expiresAt"]
    return login["token"]


def connect(node, key):
    token = sign_in(node, key)
    # request_kwargs replaces web3's default headers: no Content-Type reaches the node.
    return Web3(Web3.HTTPProvider(node.url, request_kwargs={"headers": {"Authorization": f"Bearer {token}"}}))


@pytest.fixture(scope="module")
def alice():
    return Account.from_key(read_key("alice"))


@pytest.fixture(scope="module")
def carol():
    return Account.from_key(read_key("carol"))


@pytest.fixture(scope="module")
def w3(node, alice):
    return connect(node, alice.key)


def test_native_balance_and_chain_id(w3, alice):
    assert w3.eth.chain_id == CHAIN_ID
    assert w3.eth.get_balance(alice.address) == 1000 * 10**18


def test_erc20_balance_through_contract_object(w3, alice):
    eurd = w3.eth.contract(address=EURD, abi=ERC20_ABI)
    assert eurd.functions.decimals().call() == 6
    assert eurd.functions.balanceOf(alice.address).call() >= 4_000 * 10**6


def test_erc20_transfer_type2_with_receipt_and_event(w3, alice, carol):
    eurd = w3.eth.contract(address=EURD, abi=ERC20_ABI)
    before = eurd.functions.balanceOf(alice.address).call()
    transaction = eurd.functions.transfer(carol.address, 1_250_000).build_transaction(
        {"from": alice.address, "nonce": w3.eth.get_transaction_count(alice.address, "pending")})
    assert "maxFeePerGas" in transaction  # EIP-1559: eth-account signs it as type 2
    signed = alice.sign_transaction(transaction)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.1)
    assert receipt["status"] == 1
    assert receipt["type"] == 2
    events = eurd.events.Transfer().process_receipt(receipt)
    assert len(events) == 1
    assert events[0]["args"]["from"] == alice.address
    assert events[0]["args"]["to"] == carol.address
    assert events[0]["args"]["value"] == 1_250_000
    assert eurd.functions.balanceOf(alice.address).call() == before - 1_250_000


def test_legacy_eip155_native_transfer(w3, alice, carol):
    transaction = {
        "to": carol.address, "value": 12345, "gas": 21000, "gasPrice": 0, "chainId": CHAIN_ID,
        "nonce": w3.eth.get_transaction_count(alice.address, "pending"),
    }
    signed = alice.sign_transaction(transaction)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.1)
    assert receipt["status"] == 1
    assert w3.eth.get_transaction(tx_hash)["type"] == 0


def test_policy_refusal_surfaces_before_signing_with_rule(w3, alice, carol):
    eurd = w3.eth.contract(address=EURD, abi=ERC20_ABI)
    with pytest.raises(ContractLogicError) as refusal:
        eurd.functions.transfer(carol.address, 20_000_000 * 10**6).build_transaction(
            {"from": alice.address, "nonce": w3.eth.get_transaction_count(alice.address, "pending")})
    assert "eurd-transfer-size" in str(refusal.value)


def test_policy_refusal_on_send_names_rule(w3, alice, carol):
    eurd = w3.eth.contract(address=EURD, abi=ERC20_ABI)
    transaction = eurd.functions.transfer(carol.address, 20_000_000 * 10**6).build_transaction(
        {"from": alice.address, "gas": 100_000, "maxFeePerGas": 0, "maxPriorityFeePerGas": 0,
         "nonce": w3.eth.get_transaction_count(alice.address, "pending"), "chainId": CHAIN_ID})
    signed = alice.sign_transaction(transaction)
    with pytest.raises(Web3RPCError) as refusal:
        w3.eth.send_raw_transaction(signed.raw_transaction)
    assert "eurd-transfer-size" in str(refusal.value)


def test_other_member_cannot_see_alices_balance(node, alice):
    bob = connect(node, read_key("bob"))
    assert bob.eth.get_balance(alice.address) == 0
    eurd = bob.eth.contract(address=EURD, abi=ERC20_ABI)
    assert eurd.functions.balanceOf(alice.address).call() == 0
