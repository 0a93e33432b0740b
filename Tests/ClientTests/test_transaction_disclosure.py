"""Selective disclosure of transactions (issue #30, point 2): alice sends a token transfer and a
native transfer, asks the node for a disclosure of each, the node is stopped, and an outsider
checks both against the `cloister l1` process alone, with the node's CLI and with the
independent Python verifier; every one-field change is refused by both, another member gets
the answer for a transaction that does not exist, and a disclosure holds nothing of anyone else."""
import copy
import json
import os
import subprocess
import tomllib

from eth_account import Account
from eth_hash.auto import keccak
from web3 import Web3

import disclosure_verifier
from conftest import BINARY, ROOT, read_key
from test_settlement import NodeOnL1, wait_until
from test_web3 import CHAIN_ID, EURD, ERC20_ABI, connect, sign_in

BOB = Web3.to_checksum_address("0xb45f739e9BaC48192cf8d17E03E6D216356d94D6")
TOKEN_AMOUNT = 1_234_567_891
NATIVE_AMOUNT = 987_654_321_987


def cli_verify(path, l1):
    result = subprocess.run([BINARY, "disclosure", "verify", path, "--l1", l1.url], capture_output=True, text=True, timeout=60)
    return result.returncode, result.stdout + result.stderr


def python_verify(document, l1, rpo):
    try:
        return disclosure_verifier.verify(document, l1.url, rpo), None
    except disclosure_verifier.Refused as reason:
        return None, str(reason)


def request(w3, tx_hash):
    return w3.provider.make_request("cloister_getTransactionProof", [tx_hash])


def flipped_hex(text, position):
    """`text` (0x-hex) with the hex digit at `position` changed."""
    digit = text[position]
    return text[:position] + ("0" if digit != "0" else "1") + text[position + 1:]


def with_hash(document):
    """`document` with its transactionHash made the keccak256 of its (changed) transaction bytes."""
    document["transactionHash"] = "0x" + keccak(bytes.fromhex(document["transaction"][2:])).hex()
    return document


def one_field_changes(document, other_member):
    """Every single-field change an outsider must refuse, by name."""
    def changed(path, value):
        copy_ = copy.deepcopy(document)
        target = copy_
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return copy_
    bump = lambda text: str(int(text) + 1)  # noqa: E731
    operation = document["operation"]
    raw = document["transaction"]
    changes = {
        "amount": changed(["amount"], bump(document["amount"])),
        "from": changed(["from"], other_member),
        "to": changed(["to"], other_member),
        "asset": changed(["asset"], "0x" + "00" * 20 if int(document["asset"], 16) else EURD),
        "fromKey": changed(["operation", "fromKey"], bump(operation["fromKey"])),
        "toKey": changed(["operation", "toKey"], bump(operation["toKey"])),
        "assetId": changed(["operation", "assetId"], bump(operation["assetId"])),
        "amountLow": changed(["operation", "amountLow"], bump(operation["amountLow"])),
        "fromSlot": changed(["operation", "fromSlot"], operation["fromSlot"] + 1),
        "salt": changed(["salt", 1], bump(document["salt"][1])),
        "index": changed(["index"], document["index"] ^ 1),
        "batch": changed(["batch"], document["batch"] + 1),
        "operationsCommitment": changed(["operationsCommitment"], flipped_hex(document["operationsCommitment"], 10)),
        # A byte of the transaction's body (its nonce or fee fields), and one of its signature's s,
        # each with the hash of the changed bytes (the hash alone would catch them otherwise).
        "transaction": with_hash(changed(["transaction"], flipped_hex(raw, 12))),
        "signature": with_hash(changed(["transaction"], flipped_hex(raw, len(raw) - 6))),
        "transactionHash": changed(["transactionHash"], flipped_hex(document["transactionHash"], 20)),
        "chainId": changed(["chainId"], document["chainId"] + 1),
        "format": changed(["format"], "cloister.disclosure/0"),
    }
    if document["siblings"]:
        siblings = list(document["siblings"])
        siblings[0] = flipped_hex(siblings[0], 5)
        changes["sibling"] = changed(["siblings"], siblings)
    return changes


def scan_for_bystanders(document, parties, rpo):
    """The disclosure, as text, holds no address, leaf key or genesis amount of a member that is
    not a party to the transaction (any case, with or without 0x)."""
    text = json.dumps(document).lower()
    with open(os.path.join(ROOT, "Config", "cloister.toml"), "rb") as handle:
        accounts = tomllib.load(handle)["accounts"]
    bystanders = [account for account in accounts if account["address"].lower() not in {p.lower() for p in parties}]
    assert len(bystanders) >= 3
    for account in bystanders:
        address = account["address"]
        assert address.lower()[2:] not in text, f"the disclosure holds {account['name']}'s address"
        for asset in ("0x" + "00" * 20, EURD):
            key = rpo.tagged(disclosure_verifier.HOLDER_TAG, [bytes.fromhex(address[2:]), bytes.fromhex(asset[2:])])
            assert str(key) not in text and key.to_bytes(8, "little").hex() not in text, f"{account['name']}'s key"
        for symbol, amount in account.get("tokens", {}).items():
            if len(amount) >= 8:
                assert amount not in text, f"the disclosure holds {account['name']}'s genesis {symbol}"


def test_a_transaction_disclosure_is_verified_from_the_l1_alone_and_every_changed_field_is_refused():
    with NodeOnL1("cloister-tx-disclosure-") as chain:
        directory, l1, node = chain.directory, chain.l1, chain.node
        rpo = disclosure_verifier.RPO.load()
        alice = Account.from_key(read_key("alice"))
        w3 = connect(node, read_key("alice"))
        nonce = w3.eth.get_transaction_count(alice.address, "pending")
        token_call = w3.eth.contract(address=EURD, abi=ERC20_ABI).functions.transfer(BOB, TOKEN_AMOUNT).build_transaction(
            {"chainId": CHAIN_ID, "nonce": nonce, "gas": 100_000, "maxFeePerGas": 0, "maxPriorityFeePerGas": 0})
        native = {"chainId": CHAIN_ID, "nonce": nonce + 1, "to": BOB, "value": NATIVE_AMOUNT, "gas": 21_000, "gasPrice": 0}
        hashes = [w3.eth.send_raw_transaction(alice.sign_transaction(tx).raw_transaction).to_0x_hex()
                  for tx in (token_call, native)]
        for tx_hash in hashes:
            assert w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30).status == 1
        wait_until(lambda: l1.cli("batches") and all(b["status"] == "executed" for b in l1.cli("batches"))
                   and all("result" in request(w3, tx_hash) for tx_hash in hashes),
                   timeout=180, what="the transfers' batches executed and disclosable")
        documents = [request(w3, tx_hash)["result"] for tx_hash in hashes]
        for document, tx_hash in zip(documents, hashes):
            assert document["kind"] == "transaction" and document["transactionHash"] == tx_hash
            assert document["from"] == alice.address and document["to"] == BOB
            scan_for_bystanders(document, [alice.address, BOB], rpo)
        assert documents[0]["asset"] == EURD and documents[0]["amount"] == str(TOKEN_AMOUNT)
        assert int(documents[1]["asset"], 16) == 0 and documents[1]["amount"] == str(NATIVE_AMOUNT)

        # carol neither sent nor received them: the answer is the one for a transaction that does not exist.
        carol = connect(node, read_key("carol"))
        unknown = "0x" + "ab" * 32
        for tx_hash in hashes:
            refused = request(carol, tx_hash)
            absent = request(carol, unknown)
            assert "result" not in refused and refused["error"] == {
                **absent["error"], "message": absent["error"]["message"].replace(unknown, tx_hash)}, (refused, absent)
        # bob received them: he may disclose them too.
        assert request(connect(node, read_key("bob")), hashes[0])["result"]["index"] == documents[0]["index"]

        # An auditor produces the same disclosure through the admin API; every production is audited.
        auditor = sign_in(node, read_key("auditor"))
        status, by_auditor = node.admin_get(f"/admin/v1/disclosures/transaction/{hashes[1]}", auditor)
        assert status == 200 and by_auditor["batch"] == documents[1]["batch"] and by_auditor["index"] == documents[1]["index"]
        status, missing = node.admin_get(f"/admin/v1/disclosures/transaction/{unknown}", auditor)
        assert status == 404 and "no transaction" in missing["error"], missing
        wait_until(lambda: any(entry["actor"] == "auditor" and entry.get("transaction") == hashes[1] for entry in
                               node.admin_get("/admin/v1/audit?kind=disclosure-produced&limit=1000", auditor)[1]["items"]),
                   what="the auditor's disclosure audited")
        audited = [entry for entry in node.admin_get("/admin/v1/audit?kind=disclosure-produced&limit=1000", auditor)[1]["items"]
                   if entry["outcome"] == "transaction"]
        assert {entry["actor"] for entry in audited} >= {"alice", "bob", "auditor"}, audited
        assert all(f"batch {documents[0]['batch']}" in entry["detail"] or f"batch {documents[1]['batch']}" in entry["detail"]
                   for entry in audited)
        assert not any(str(amount) in json.dumps(entry) for entry in audited for amount in (TOKEN_AMOUNT, NATIVE_AMOUNT))
        node.stop()

        # No node is reachable now: both verifiers use the L1 alone.
        path = os.path.join(directory, "disclosure.json")
        for document, amount in zip(documents, (TOKEN_AMOUNT, NATIVE_AMOUNT)):
            with open(path, "w") as handle:
                json.dump(document, handle)
            code, output = cli_verify(path, l1)
            assert code == 0 and "VERIFIED" in output and str(amount) in output and alice.address in output, output
            facts, reason = python_verify(document, l1, rpo)
            assert reason is None, reason
            assert facts["amount"] == amount and facts["signer"] == alice.address
            # The same facts against a record of the batch not yet executed: not final.
            record = json.loads(json.dumps(disclosure_verifier.l1_batch(l1.url, document["batch"])))
            record["status"] = "committed"
            try:
                disclosure_verifier.against_record(disclosure_verifier.check_transaction(document, rpo), record)
                raise AssertionError("a batch not executed was accepted")
            except disclosure_verifier.Refused as reason:
                assert "not final" in str(reason)

            for name, changed in one_field_changes(document, read_address("carol")).items():
                with open(path, "w") as handle:
                    json.dump(changed, handle)
                code, output = cli_verify(path, l1)
                assert code == 1 and "REFUSED" in output, f"{name}: {output}"
                facts, reason = python_verify(changed, l1, rpo)
                assert facts is None and reason, f"{name} was accepted by the Python verifier"


def read_address(name):
    return Account.from_key(read_key(name)).address
