#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora to Fuzz/Corpus/<Target>/ (docs/FUZZING.md).

Seeds come from the shared Ethereum vectors (RLP and transaction tests, found like the
Swift tests find them: $CLOISTER_VECTORS or ../shared/vectors beside the repository),
from the repository (Policies/, the sign-in and transaction examples of the tests), and
from small hand-built values of each wire format (JSON-RPC requests, L1 API bodies, batch
proof envelopes around structurally valid STARK proofs). Each seed is named by its
content's hash, so regenerating is idempotent. Small seeds only: the whole corpus stays
well under a few hundred KB.

Usage: python3 scripts/fuzz-corpus.py [repository-root]
"""

import hashlib
import json
import os
import struct
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
VECTORS = os.environ.get("CLOISTER_VECTORS") or os.path.join(os.path.dirname(ROOT), "shared", "vectors")
CORPUS = os.path.join(ROOT, "Fuzz", "Corpus")
MAX_SEED = 4096

ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
TOKEN = "0xe0d0000000000000000000000000000000000001"
HASH = "0x" + "ab" * 32
HASH2 = "0x" + "0c" * 32
# A signed EIP-155 transfer (chain id 1) from the transaction tests.
LEGACY_TX = ("0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef6134"
             "0bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc"
             "64214b297fb1966a3b6d83")


def unhex(text):
    text = text[2:] if text.startswith("0x") else text
    return bytes.fromhex(text)


class Seeds:
    def __init__(self):
        self.by_target = {}

    def add(self, target, data):
        if isinstance(data, str):
            data = data.encode()
        if len(data) <= MAX_SEED:
            self.by_target.setdefault(target, set()).add(bytes(data))

    def write(self):
        for target, seeds in sorted(self.by_target.items()):
            folder = os.path.join(CORPUS, target)
            os.makedirs(folder, exist_ok=True)
            wanted = {hashlib.sha1(seed).hexdigest()[:16]: seed for seed in seeds}
            for name in os.listdir(folder):
                if name not in wanted:
                    os.remove(os.path.join(folder, name))
            for name, seed in wanted.items():
                with open(os.path.join(folder, name), "wb") as f:
                    f.write(seed)
            print(f"{target}: {len(wanted)} seeds, {sum(map(len, wanted.values()))} bytes")


# MARK: - RLP and transactions (shared vectors)


def rlp_seeds(seeds):
    folder = os.path.join(VECTORS, "ethereum-tests", "RLPTests")
    for name in ("rlptest.json", "invalidRLPTest.json"):
        path = os.path.join(folder, name)
        if not os.path.exists(path):
            print(f"warning: {path} is missing; RLP seeds from the vectors are left out", file=sys.stderr)
            continue
        for case in json.load(open(path)).values():
            seeds.add("FuzzRLP", unhex(case["out"]))


def transaction_seeds(seeds):
    folder = os.path.join(VECTORS, "ethereum-tests", "TransactionTests")
    if not os.path.isdir(folder):
        print(f"warning: {folder} is missing; transaction seeds from the vectors are left out", file=sys.stderr)
    for directory, _, files in sorted(os.walk(folder)):
        for name in sorted(files):
            if not name.endswith(".json"):
                continue
            for case in json.load(open(os.path.join(directory, name))).values():
                raw = case.get("txbytes")
                if raw:
                    seeds.add("FuzzTransactions", unhex(raw))
                    seeds.add("FuzzRLP", unhex(raw)[1:] if unhex(raw)[:1] in (b"\x01", b"\x02") else unhex(raw))
    seeds.add("FuzzTransactions", unhex(LEGACY_TX))


# MARK: - JSON and JSON-RPC


def rpc(method, params=None, id=1):
    request = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        request["params"] = params
    if id is not None:
        request["id"] = id
    return request


def json_rpc_seeds(seeds):
    requests = [
        rpc("eth_chainId", []),
        rpc("eth_blockNumber", id="a-string-id"),
        rpc("eth_getBalance", [ADDRESS, "latest"], id=7),
        rpc("eth_getTransactionCount", [ADDRESS, "pending"]),
        rpc("eth_sendRawTransaction", [LEGACY_TX], id=2),
        rpc("eth_call", [{"to": TOKEN, "data": "0x70a08231" + "00" * 12 + ADDRESS[2:]}, "latest"]),
        rpc("eth_getBlockByNumber", ["0x1", False], id=None),
        rpc("eth_getLogs", {"fromBlock": "0x0", "toBlock": "latest", "address": TOKEN}),
        rpc("eth_getTransactionReceipt", [HASH], id=1.5),
        rpc("cloister_getWithdrawalProof", [HASH, 0], id=None),
        rpc("xRefused", {"nested": [1, -2.5e-3, "\u00e9\\u00e9\n", None, True, {"k": []}]}),
    ]
    documents = [json.dumps(r) for r in requests]
    documents += [
        json.dumps(requests[:4]),
        json.dumps([requests[6], requests[9]]),
        json.dumps([1, "x", None, {}, {"jsonrpc": "1.0", "method": "eth_chainId", "id": 3}]),
        "[]",
        '{"jsonrpc":"2.0","method":"eth_chainId","params":"no","id":[1]}',
        '{"jsonrpc":"2.0","method":"eth_chainId","id":1,"id":2}',
        '  {"jsonrpc" : "2.0" ,\t"method":"eth_chainId","params":[],"id":-0}\r\n',
        '"\\ud83d\\ude00 \\u0000 \\/"',
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        "{\"a\":1e400,\"b\":-0.0E+1,\"c\":12345678901234567890123456789}",
        '{"jsonrpc":"2.0","method":"eth_chainId","id":1',
        "nul",
    ]
    for document in documents:
        seeds.add("FuzzJSON", document)
        seeds.add("FuzzJSONRPC", document)


# MARK: - L1 wire bodies (the selector byte picks the type; order of L1Body in FuzzL1Wire.swift)

L1_KINDS = ["deposit", "prove", "execute", "revert", "proofResponse", "error", "commitment", "withdrawalProof",
            "batchRecord", "depositRecord", "finalizedWithdrawal", "event", "status", "acknowledgement", "events",
            "batchRecords"]


def l1_seeds(seeds):
    commitment = {
        "batchNumber": 1, "previousStateRoot": HASH, "newStateRoot": HASH2, "operationsCommitment": HASH,
        "depositCount": 1, "firstDepositIndex": 0, "depositHash": HASH, "withdrawalCount": 1,
        "withdrawalsRoot": HASH2, "policyHash": HASH, "auditLogHead": HASH, "timestamp": 1735689600000,
        "previousBatchHash": "0x" + "00" * 32, "batchHash": HASH2,
    }
    deposit = {"queueIndex": 0, "recipient": ADDRESS, "asset": TOKEN, "amount": "1000000", "sender": ADDRESS}
    withdrawal = {"batchNumber": 1, "indexInBatch": 0, "recipient": ADDRESS, "asset": TOKEN, "amount": "250"}
    attempt = {"attempt": 1, "submittedAt": 1735689600001, "verifier": "stark", "accepted": False,
               "reason": "too few bits", "proofSHA256": HASH, "proofSize": 1024}
    record = {"commitment": commitment, "status": "proven", "committedAt": 1, "provenAt": 2,
              "proofAttempts": [attempt]}
    event = {"sequence": 3, "kind": "proof-rejected", "at": 5, "batchNumber": 1, "batchHash": HASH,
             "detail": "a note"}
    bodies = {
        "deposit": [{"recipient": ADDRESS, "asset": TOKEN, "amount": "5", "sender": ADDRESS},
                    {"recipient": ADDRESS.lower(), "asset": TOKEN, "amount": "0"}],
        "prove": [{"batchNumber": 1, "batchHash": HASH, "proof": "0x0200000001"}],
        "execute": [{"batchNumber": 1, "batchHash": HASH}],
        "revert": [{"toBatch": 0, "lastCommittedBatchHash": HASH}],
        "proofResponse": [{"batchNumber": 2, "proof": "0x"}],
        "error": [{"error": {"kind": "proofRejected", "message": "the proof does not verify"}}],
        "commitment": [commitment],
        "withdrawalProof": [{"withdrawal": withdrawal, "siblings": [HASH, HASH2]}],
        "batchRecord": [record],
        "depositRecord": [{"deposit": deposit, "leaf": HASH, "queueHash": HASH2, "queuedAt": 9,
                           "executedInBatch": 1}],
        "finalizedWithdrawal": [{"withdrawal": withdrawal, "leaf": HASH, "finalizedAt": 4, "eventSequence": 8}],
        "event": [event],
        "status": [{"operatorAddress": ADDRESS, "verifier": "stark", "genesisStateRoot": HASH, "lastCommitted": 2,
                    "lastProven": 1, "lastExecuted": 1, "lastCommittedBatchHash": HASH,
                    "lastCommittedStateRoot": HASH2, "lastExecutedStateRoot": HASH, "depositsQueued": 3,
                    "depositQueueHead": 1, "nextDepositToCommit": 2, "depositQueueHash": HASH,
                    "depositDeadlineSeconds": 86400, "lastEventSequence": 12}],
        "acknowledgement": [{"call": "prove", "batchNumber": 1, "outcome": "already-applied", "status": "proven"}],
        "events": [[event, {"sequence": 4, "kind": "deposit-queued", "at": 6, "depositIndex": 0}]],
        "batchRecords": [[record]],
    }
    for kind, examples in bodies.items():
        selector = bytes([L1_KINDS.index(kind)])
        for body in examples:
            seeds.add("FuzzL1Wire", selector + json.dumps(body, separators=(",", ":")).encode())


# MARK: - Proof envelopes around structurally valid STARK proofs (Sources/Stark/Proof/ProofEncoding.swift)


def stark_proof(trace_length=2048, width=4, auxiliary=False, layers=2):
    def elements(values):
        return struct.pack("<I", len(values)) + b"".join(struct.pack("<Q", v) for v in values)

    def hashes(count, fill):
        return struct.pack("<I", count) + bytes([fill]) * 32 * count

    def opening(values, siblings):
        return elements(values) + hashes(len(values) and 1, 0x11) + hashes(siblings, 0x22)

    out = struct.pack("<HII", 1, trace_length, width)
    out += struct.pack("<BBHBBH", 3, 8, 2, 0, 4, 7)  # cubic, blowup 8, 2 queries, no grinding, folding 4, remainder 7
    out += bytes([0xaa]) * 32 + bytes([0xbb]) * 32
    out += elements(list(range(width * 3))) + elements([5] * (width * 3)) + elements([1, 2, 3])
    out += hashes(layers, 0x33) + elements([9] * 8) + struct.pack("<Q", 42)
    out += opening([1, 2, 3, 4], 2) + opening([5, 6], 1)
    out += struct.pack("<I", layers) + b"".join(opening([7] * 4, 1) for _ in range(layers))
    if auxiliary:
        out += b"\x01" + bytes([0xcc]) * 32 + elements([1, 2, 3]) + elements([4, 5, 6]) + opening([8, 9], 1)
    return out


def envelope(version, slots, deposits, withdrawals, proof, trace_length=2048):
    out = bytes([version]) + struct.pack(">I", slots)
    if version == 3:
        out += struct.pack(">I", trace_length)
    out += struct.pack(">I", deposits)
    for index in range(deposits):
        out += struct.pack(">Q", 7 + index) + unhex(ADDRESS) + unhex(TOKEN) + (1000 + index).to_bytes(32, "big")
        out += unhex(ADDRESS)
    out += struct.pack(">I", withdrawals)
    for index in range(withdrawals):
        out += struct.pack(">QQ", 3, index) + unhex(ADDRESS) + unhex(TOKEN) + (250 + index).to_bytes(32, "big")
    return out + proof


def proof_seeds(seeds):
    for auxiliary in (False, True):
        proof = stark_proof(auxiliary=auxiliary)
        seeds.add("FuzzProofEnvelope", proof)
        seeds.add("FuzzProofEnvelope", envelope(2, 4, 1, 1, proof))
        seeds.add("FuzzProofEnvelope", envelope(3, 8, 2, 1, proof, trace_length=2048))
    seeds.add("FuzzProofEnvelope", envelope(3, 1, 0, 0, stark_proof(layers=0)))


# MARK: - Policy files and sign-in messages (the repository)


def policy_seeds(seeds):
    folder = os.path.join(ROOT, "Policies")
    names = ["compliance.toml", "members.toml", "roles.toml", "sanctions.toml"]
    texts = [open(os.path.join(folder, name), "rb").read() for name in names]
    seeds.add("FuzzPolicy", b"\x00".join(texts))
    # Each file alone, and the devnet without its sanctions list file.
    for text in texts:
        seeds.add("FuzzPolicy", text)
    seeds.add("FuzzPolicy", b"\x00".join(texts[:3]))
    seeds.add("FuzzPolicy", b'[sanctions]\nlist = "sanctions.toml"\n\x00\x00\x00addresses = []\n')


SIGN_IN = """127.0.0.1:8545 wants you to sign in with your Ethereum account:
{address}

{statement}
URI: http://127.0.0.1:8545
Version: 1
Chain ID: 1337
Nonce: 32891756abcdef
Issued At: 2025-01-01T00:00:00Z{rest}"""


def sign_in_seeds(seeds):
    seeds.add("FuzzSignIn", SIGN_IN.format(address=ADDRESS, statement="\n", rest=""))
    seeds.add("FuzzSignIn", SIGN_IN.format(address=ADDRESS, statement="Sign in to Cloister.\n", rest=(
        "\nExpiration Time: 2025-01-01T00:05:00.250+01:00\nNot Before: 2024-12-31T23:50:00z\nRequest ID: req-1\n"
        "Resources:\n- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/\n"
        "- https://example.com/my-web2-claim.json")))
    seeds.add("FuzzSignIn", "https://node.example:8545 " + SIGN_IN.format(
        address=ADDRESS.lower(), statement="\n", rest="\nIssued At: 2025-01-01T00:00:00Z").split(" ", 1)[1])


def main():
    seeds = Seeds()
    rlp_seeds(seeds)
    transaction_seeds(seeds)
    json_rpc_seeds(seeds)
    l1_seeds(seeds)
    proof_seeds(seeds)
    policy_seeds(seeds)
    sign_in_seeds(seeds)
    seeds.write()


if __name__ == "__main__":
    main()
