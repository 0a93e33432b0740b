"""Selective disclosure (issue #30, balances): a member asks the node for a disclosure of its own
holding, the node is stopped, and an outsider checks the disclosure against the `cloister l1`
process alone, with the node's CLI and with the independent Python verifier; every one-field
change is refused by both, and a disclosure of a batch the L1 has not executed is not final."""
import copy
import json
import os
import subprocess
import tomllib

from eth_account import Account
from web3 import Web3

import disclosure_verifier
from conftest import BINARY, ROOT, read_key
from test_settlement import AMOUNTS, NodeOnL1, send_transfers, wait_until
from test_web3 import EURD, ERC20_ABI, connect, sign_in

BOB = Web3.to_checksum_address("0xb45f739e9BaC48192cf8d17E03E6D216356d94D6")


def cli_verify(path, l1):
    result = subprocess.run([BINARY, "disclosure", "verify", path, "--l1", l1.url], capture_output=True, text=True, timeout=60)
    return result.returncode, result.stdout + result.stderr


def python_verify(document, l1, rpo):
    try:
        return disclosure_verifier.verify(document, l1.url, rpo), None
    except disclosure_verifier.Refused as reason:
        return None, str(reason)


def request(w3, *params):
    return w3.provider.make_request("cloister_getBalanceProof", list(params))


def one_field_changes(document):
    """Every single-field change an outsider must refuse, by name."""
    def changed(name, value):
        copy_ = copy.deepcopy(document)
        copy_[name] = value
        return copy_
    siblings = list(document["siblings"])
    siblings[3] = siblings[4] if siblings[4] != siblings[3] else siblings[5]
    root = document["stateRoot"]
    return {
        "balance": changed("balance", str(int(document["balance"]) + 1)),
        "holder": changed("holder", BOB),
        "asset": changed("asset", "0x" + "00" * 20),
        "blinding": changed("blinding", str(int(document["blinding"]) + 1)),
        "nonce": changed("nonce", str(int(document["nonce"]) + 1)),
        "slot": changed("slot", document["slot"] + 1),
        "sibling": changed("siblings", siblings),
        "batch": changed("batch", document["batch"] - 1 if document["batch"] > 1 else document["batch"] + 1),
        "stateRoot": changed("stateRoot", root[:-1] + ("0" if root[-1] != "0" else "1")),
        "format": changed("format", "cloister.disclosure/0"),
    }


def scan_for_other_accounts(document, holder, rpo):
    """The disclosure, as text, holds no other member's address (any case, with or without 0x),
    leaf key or balance: as the proof-byte scans do for proofs."""
    text = json.dumps(document).lower()
    with open(os.path.join(ROOT, "Config", "cloister.toml"), "rb") as handle:
        accounts = tomllib.load(handle)["accounts"]
    others = [account["address"] for account in accounts if account["address"].lower() != holder.lower()]
    assert len(others) >= 4
    forbidden = {}
    for address in others:
        forbidden[address] = address.lower()[2:]
        raw = bytes.fromhex(address[2:])
        for asset in ("0x" + "00" * 20, EURD):
            key = rpo.tagged(disclosure_verifier.HOLDER_TAG, [raw, bytes.fromhex(asset[2:])])
            forbidden[f"key of {address}"] = str(key)
            forbidden[f"hex key of {address}"] = key.to_bytes(8, "little").hex()
    # bob's EURD balance after alice's transfers, and every other genesis balance in the config.
    forbidden["bob's balance"] = str(3_000_000_000 + sum(AMOUNTS[:3]))
    for account in accounts:
        if account["address"].lower() != holder.lower():
            for symbol, amount in account.get("tokens", {}).items():
                forbidden[f"{account['name']}'s genesis {symbol}"] = amount
    # Needles of eight characters or more: a shorter one (a 6-digit GBPD amount) would turn up by
    # chance in the hex digests about once in ten thousand runs.
    for what, needle in forbidden.items():
        if len(needle) >= 8:
            assert needle not in text, f"the disclosure holds {what}"


def test_a_balance_disclosure_is_verified_from_the_l1_alone_and_every_changed_field_is_refused():
    with NodeOnL1("cloister-disclosure-") as chain:
        directory, l1, node = chain.directory, chain.l1, chain.node
        rpo = disclosure_verifier.RPO.load()
        alice = Account.from_key(read_key("alice"))
        send_transfers(node, 3, BOB, AMOUNTS)
        w3 = connect(node, read_key("alice"))
        balance = w3.eth.contract(address=EURD, abi=ERC20_ABI).functions.balanceOf(alice.address).call()
        # Once every batch holding the transfers is executed, the default (latest executed) batch has them.
        wait_until(lambda: l1.cli("batches") and all(b["status"] == "executed" for b in l1.cli("batches"))
                   and (request(w3, alice.address, EURD).get("result") or {}).get("balance") == str(balance),
                   timeout=180, what="a disclosure of alice's settled balance")
        document = request(w3, alice.address, EURD)["result"]
        assert document["format"] == "cloister.disclosure/1" and document["holder"] == alice.address
        # bob's holding is not alice's to disclose: answered as a holding that does not exist.
        refused = request(w3, BOB, EURD)
        assert "result" not in refused and "no holding" in refused["error"]["message"], refused
        scan_for_other_accounts(document, alice.address, rpo)
        # An auditor produces the same disclosure through the admin API; every production is audited.
        auditor = sign_in(node, read_key("auditor"))
        status, by_auditor = node.admin_get(f"/admin/v1/disclosures/balance/{alice.address}/{EURD}", auditor)
        assert status == 200 and by_auditor["balance"] == document["balance"] and by_auditor["batch"] == document["batch"]
        assert disclosure_verifier.check_path(by_auditor, rpo)["balance"] == balance
        status, missing = node.admin_get(f"/admin/v1/disclosures/balance/{alice.address}/{EURD}?batch=999999", auditor)
        assert status == 404 and "not sealed" in missing["error"], missing
        wait_until(lambda: any(entry["actor"] == "auditor" for entry in
                               node.admin_get("/admin/v1/audit?kind=disclosure-produced&limit=1000", auditor)[1]["items"]),
                   what="the auditor's disclosure audited")
        audited = node.admin_get("/admin/v1/audit?kind=disclosure-produced&limit=1000", auditor)[1]["items"]
        assert {entry["actor"] for entry in audited} >= {"alice", "auditor"}, audited
        assert all(alice.address in entry["detail"] and document["balance"] not in entry["detail"] for entry in audited)
        path = os.path.join(directory, "disclosure.json")
        with open(path, "w") as handle:
            json.dump(document, handle)
        node.stop()

        # No node is reachable now: both verifiers use the L1 alone.
        code, output = cli_verify(path, l1)
        assert code == 0 and "VERIFIED" in output and str(balance) in output, output
        facts, reason = python_verify(document, l1, rpo)
        assert reason is None, reason
        assert facts["balance"] == balance and facts["holder"] == alice.address

        for name, changed in one_field_changes(document).items():
            with open(path, "w") as handle:
                json.dump(changed, handle)
            code, output = cli_verify(path, l1)
            assert code == 1 and "REFUSED" in output, f"{name}: {output}"
            facts, reason = python_verify(changed, l1, rpo)
            assert facts is None and reason, f"{name} was accepted by the Python verifier"


def test_a_disclosure_of_a_batch_the_l1_has_not_executed_is_refused_as_not_final():
    with NodeOnL1("cloister-disclosure-", edits=[('prover = "stark"', 'prover = "none"')]) as chain:
        directory, l1, node = chain.directory, chain.l1, chain.node
        # Without a prover, batches are committed on the L1 and never executed.
        rpo = disclosure_verifier.RPO.load()
        alice = Account.from_key(read_key("alice"))
        send_transfers(node, 2, BOB, AMOUNTS)
        w3 = connect(node, read_key("alice"))
        assert "no batch is executed" in request(w3, alice.address, EURD)["error"]["message"]
        wait_until(lambda: l1.cli("batches"), timeout=60, what="a batch committed on the L1")
        number = l1.cli("batches")[0]["number"]
        document = request(w3, alice.address, EURD, hex(number))["result"]
        facts, reason = python_verify(document, l1, rpo)
        assert facts is None and "not final" in reason, reason
        path = os.path.join(directory, "disclosure.json")
        with open(path, "w") as handle:
            json.dump(document, handle)
        code, output = cli_verify(path, l1)
        assert code == 1 and "not executed" in output, output
