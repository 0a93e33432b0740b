"""A second, independent verifier of Cloister disclosures, balances and transactions
(docs/DISCLOSURE.md).

It shares no code with the node: RPO-256 is implemented here from the published parameters
in the shared test vectors (`rpo256.json`, Miden's instance) and checked against their
known answers before use; the leaves, their keys and the Merkle paths follow the format
document. A transaction's envelope is decoded here with the `rlp` package and its signer
recovered with `eth_keys` (libsecp256k1-compatible, pure Python). Only the L1's public record
of the batch is consulted.

    python3 disclosure_verifier.py FILE --l1 URL
"""
import json
import os
import sys
import urllib.error
import urllib.request

import rlp
from eth_hash.auto import keccak
from eth_keys import keys

FORMAT = "cloister.disclosure/1"
DEPTH = 31
LIMB_BITS = 62
HOLDER_TAG = 0x636C6F6973746572  # "cloister"
ASSET_TAG = 0x636C2D6173736574  # "cl-asset"
SALT_COUNT = 3
MAX_OPERATIONS_DEPTH = 15  # the batch AIR's 2^15 operation slots
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
TRANSFER_SELECTOR = bytes.fromhex("a9059cbb")
KIND_TRANSFER = 1


class Refused(Exception):
    """The disclosure proves nothing; the message says why."""


def vectors_directory():
    override = os.environ.get("CLOISTER_VECTORS")
    if override:
        return override
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    return os.path.join(os.path.dirname(root), "shared", "vectors")


class RPO:
    """RPO-256 over Goldilocks: width 12, rate 8 (lanes 4..11), digest lanes 4..7, 7 rounds."""

    def __init__(self, parameters):
        self.p = int(parameters["field_modulus"])
        self.rounds = int(parameters["rounds"])
        self.alpha = int(parameters["alpha"])
        self.inverse_alpha = int(parameters["inv_alpha"])
        first_row = [int(x) for x in parameters["mds_first_row"]]
        self.mds = [[first_row[(j - i) % 12] for j in range(12)] for i in range(12)]
        self.ark1 = [[int(x) for x in row] for row in parameters["ark1"]]
        self.ark2 = [[int(x) for x in row] for row in parameters["ark2"]]
        for case in parameters["vectors_hash_elements_of_0_to_i"]:
            digest = self.hash_elements([int(x) for x in case["input"]])
            if digest != [int(x) for x in case["digest"]]:
                raise RuntimeError("this RPO implementation disagrees with the published known answers")

    @classmethod
    def load(cls):
        with open(os.path.join(vectors_directory(), "rpo256.json")) as handle:
            parameters = json.load(handle)
        for key in ("mds_first_row", "ark1", "ark2", "vectors_hash_elements_of_0_to_i"):
            if isinstance(parameters[key], str):
                parameters[key] = json.loads(parameters[key].replace("'", '"'))
        return cls(parameters)

    def permute(self, state):
        p = self.p
        for r in range(self.rounds):
            state = [sum(m * s for m, s in zip(row, state)) % p for row in self.mds]
            state = [pow((s + c) % p, self.alpha, p) for s, c in zip(state, self.ark1[r])]
            state = [sum(m * s for m, s in zip(row, state)) % p for row in self.mds]
            state = [pow((s + c) % p, self.inverse_alpha, p) for s, c in zip(state, self.ark2[r])]
        return state

    def hash_elements(self, elements):
        if not elements:
            return [0, 0, 0, 0]
        state = [0] * 12
        state[0] = len(elements) % 8
        filled = 0
        for element in elements:
            state[4 + filled] = element
            filled += 1
            if filled == 8:
                state = self.permute(state)
                filled = 0
        if filled:
            for index in range(filled, 8):
                state[4 + index] = 0
            state = self.permute(state)
        return state[4:8]

    def merge(self, left, right):
        return self.permute([0, 0, 0, 0] + left + right)[4:8]

    def tagged(self, tag, parts):
        elements = [tag % self.p]
        for part in parts:
            elements.append(len(part))
            for start in range(0, len(part), 7):
                elements.append(int.from_bytes(part[start:start + 7], "little") % self.p)
        value = self.hash_elements(elements)[0]
        return value if value else 1


def address_bytes(text, what):
    if not isinstance(text, str) or len(text) != 42 or not text.startswith("0x"):
        raise Refused(f"{what} must be 0x + 40 hex digits")
    try:
        return bytes.fromhex(text[2:])
    except ValueError:
        raise Refused(f"{what} must be 0x + 40 hex digits")


def digest_of(text, what, p):
    if not isinstance(text, str) or len(text) != 66 or not text.startswith("0x"):
        raise Refused(f"{what} must be 0x + 64 hex digits")
    try:
        raw = bytes.fromhex(text[2:])
    except ValueError:
        raise Refused(f"{what} must be 0x + 64 hex digits")
    words = [int.from_bytes(raw[8 * i:8 * i + 8], "little") for i in range(4)]
    if any(word >= p for word in words):
        raise Refused(f"{what} is not four canonical field elements")
    return words


def hex_of(digest):
    return "0x" + b"".join(word.to_bytes(8, "little") for word in digest).hex()


def decimal(document, name, bound):
    text = document.get(name)
    if not isinstance(text, str) or not text.isdigit() or int(text) >= bound:
        raise Refused(f"{name} must be a decimal string below {bound}")
    return int(text)


def check_path(document, rpo):
    """The facts a disclosure claims, once its leaf and siblings reach its state root."""
    if document.get("format") != FORMAT or document.get("kind") != "balance":
        raise Refused(f"not a balance disclosure of format {FORMAT}")
    holder = address_bytes(document.get("holder"), "holder")
    asset = address_bytes(document.get("asset"), "asset")
    balance = decimal(document, "balance", 1 << (2 * LIMB_BITS))
    nonce = decimal(document, "nonce", rpo.p)
    blinding = decimal(document, "blinding", rpo.p)
    slot = document.get("slot")
    if not isinstance(slot, int) or isinstance(slot, bool) or not 0 <= slot < (1 << DEPTH) - 1:
        raise Refused("slot must be a position in the state tree")
    siblings = document.get("siblings")
    if not isinstance(siblings, list) or len(siblings) != DEPTH:
        raise Refused(f"a path has {DEPTH} siblings")
    siblings = [digest_of(text, f"sibling {level}", rpo.p) for level, text in enumerate(siblings)]
    root = digest_of(document.get("stateRoot"), "stateRoot", rpo.p)
    mask = (1 << LIMB_BITS) - 1
    fields = [balance & mask, balance >> LIMB_BITS, nonce, rpo.tagged(HOLDER_TAG, [holder, asset]),
              rpo.tagged(ASSET_TAG, [asset]), blinding]
    digest = rpo.hash_elements(fields)
    position = slot
    for sibling in siblings:
        digest = rpo.merge(digest, sibling) if position & 1 == 0 else rpo.merge(sibling, digest)
        position >>= 1
    if digest != root:
        raise Refused("the disclosed leaf and siblings do not reach the disclosed state root")
    return {"holder": document["holder"], "asset": document["asset"], "balance": balance,
            "batch": document.get("batch"), "chainId": document.get("chainId"), "stateRoot": hex_of(root)}


def rlp_int(item, what):
    if not isinstance(item, bytes) or (item[:1] == b"\x00"):
        raise Refused(f"the transaction's {what} is not a canonical RLP integer")
    return int.from_bytes(item, "big")


def decode_transaction(raw):
    """(chain id, nonce, to, value, data, signer) of a signed legacy (EIP-155), EIP-2930 or
    EIP-1559 transaction; the signer recovered from the signature over its signing payload."""
    try:
        if raw[:1] and raw[0] >= 0xC0:
            fields = rlp.decode(raw)
            if len(fields) != 9:
                raise Refused("a legacy transaction has 9 fields")
            nonce, to, value, data = rlp_int(fields[0], "nonce"), fields[3], rlp_int(fields[4], "value"), fields[5]
            v = rlp_int(fields[6], "v")
            if v < 35:
                raise Refused("the transaction is not replay-protected (EIP-155)")
            chain_id, parity = (v - 35) // 2, (v - 35) % 2
            payload = rlp.encode(fields[:6] + [chain_id, 0, 0])
            r, s = rlp_int(fields[7], "r"), rlp_int(fields[8], "s")
        elif raw[:1] in (b"\x01", b"\x02"):
            fields = rlp.decode(raw[1:])
            count = 11 if raw[0] == 1 else 12
            if len(fields) != count:
                raise Refused(f"a type-{raw[0]} transaction has {count} fields")
            chain_id, nonce = rlp_int(fields[0], "chain id"), rlp_int(fields[1], "nonce")
            to_index = 4 if raw[0] == 1 else 5
            to, value, data = fields[to_index], rlp_int(fields[to_index + 1], "value"), fields[to_index + 2]
            parity, r, s = rlp_int(fields[-3], "y parity"), rlp_int(fields[-2], "r"), rlp_int(fields[-1], "s")
            payload = raw[:1] + rlp.encode(fields[:-3])
        else:
            raise Refused("the transaction is of an unknown type")
    except (rlp.exceptions.DecodingError, rlp.exceptions.DeserializationError, TypeError, IndexError):
        raise Refused("the transaction is not valid RLP")
    if not isinstance(to, bytes) or len(to) != 20 or not isinstance(data, bytes):
        raise Refused("the transaction has no 20-byte recipient")
    if parity not in (0, 1) or not 0 < r < SECP256K1_N or not 0 < s <= SECP256K1_N // 2:
        raise Refused("the transaction's signature is out of range (EIP-2: low s)")
    try:
        signature = keys.Signature(vrs=(parity, r, s))
        signer = signature.recover_public_key_from_msg_hash(keccak(payload)).to_canonical_address()
    except Exception as error:  # eth_keys raises several kinds for an unrecoverable signature
        raise Refused(f"no signer can be recovered from the transaction's signature ({error})")
    return chain_id, nonce, to, value, data, signer


def transfer_of(to, value, data):
    """(recipient, asset, amount) of a native transfer or an ERC-20 transfer call, else None."""
    if not data:
        return (to, bytes(20), value) if value else None
    if value == 0 and len(data) == 68 and data[:4] == TRANSFER_SELECTOR and data[4:16] == bytes(12):
        return data[16:36], to, int.from_bytes(data[36:68], "big")
    return None


def check_transaction(document, rpo):
    """The facts a transaction disclosure claims, once its signed transaction, operation leaf and
    siblings agree and reach its operations commitment."""
    if document.get("format") != FORMAT or document.get("kind") != "transaction":
        raise Refused(f"not a transaction disclosure of format {FORMAT}")
    sender = address_bytes(document.get("from"), "from")
    recipient = address_bytes(document.get("to"), "to")
    asset = address_bytes(document.get("asset"), "asset")
    amount = decimal(document, "amount", 1 << (2 * LIMB_BITS))
    text = document.get("transaction")
    try:
        raw = bytes.fromhex(text[2:]) if isinstance(text, str) and text.startswith("0x") else None
    except ValueError:
        raw = None
    if not raw:
        raise Refused("transaction must be the signed transaction's bytes, 0x-hex")
    if "0x" + keccak(raw).hex() != str(document.get("transactionHash", "")).lower():
        raise Refused("the transaction's hash is not the disclosed transactionHash")
    chain_id, nonce, to, value, data, signer = decode_transaction(raw)
    if signer != sender:
        raise Refused("the transaction was not signed by the disclosed sender")
    if chain_id != document.get("chainId"):
        raise Refused(f"the transaction is signed for chain {chain_id}, not the disclosed chain")
    transfer = transfer_of(to, value, data)
    if transfer is None:
        raise Refused("the transaction is neither a native transfer nor an ERC-20 transfer call")
    if transfer != (recipient, asset, amount):
        raise Refused("the signed transaction does not send the disclosed amount of the disclosed asset to the disclosed recipient")
    operation = document.get("operation")
    if not isinstance(operation, dict) or operation.get("kind") != "transfer":
        raise Refused("the disclosed operation must be a transfer")
    slots = [operation.get("fromSlot"), operation.get("toSlot")]
    if not all(isinstance(slot, int) and not isinstance(slot, bool) and 0 <= slot < (1 << DEPTH) - 1 for slot in slots):
        raise Refused("the operation's slots must be positions in the state tree")
    mask = (1 << LIMB_BITS) - 1
    expected = {
        "amountLow": amount & mask, "amountHigh": amount >> LIMB_BITS,
        "fromKey": rpo.tagged(HOLDER_TAG, [sender, asset]), "toKey": rpo.tagged(HOLDER_TAG, [recipient, asset]),
        "assetId": rpo.tagged(ASSET_TAG, [asset]),
    }
    for name, value_ in expected.items():
        if operation.get(name) != str(value_):
            raise Refused(f"the operation's {name} is not the one the signed transaction makes")
    salt = document.get("salt")
    if not isinstance(salt, list) or len(salt) != SALT_COUNT or not all(
            isinstance(x, str) and x.isdigit() and int(x) < rpo.p for x in salt):
        raise Refused(f"salt must be {SALT_COUNT} decimal field elements")
    siblings = document.get("siblings")
    index = document.get("index")
    if not isinstance(siblings, list) or len(siblings) > MAX_OPERATIONS_DEPTH:
        raise Refused("siblings must be a list of at most 15 digests")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < (1 << len(siblings)):
        raise Refused("index must be a position in the batch's operations")
    siblings = [digest_of(text_, f"sibling {level}", rpo.p) for level, text_ in enumerate(siblings)]
    commitment = digest_of(document.get("operationsCommitment"), "operationsCommitment", rpo.p)
    batch = document.get("batch")
    if not isinstance(batch, int) or isinstance(batch, bool) or not 1 <= batch < (1 << 63):
        raise Refused("batch must be a batch number")
    fields = [KIND_TRANSFER, slots[0], slots[1], expected["amountLow"], expected["amountHigh"],
              expected["fromKey"], expected["toKey"], expected["assetId"]]
    digest = rpo.permute([int(x) for x in salt] + [batch] + fields)[4:8]
    position = index
    for sibling in siblings:
        digest = rpo.merge(digest, sibling) if position & 1 == 0 else rpo.merge(sibling, digest)
        position >>= 1
    if digest != commitment:
        raise Refused("the disclosed operation, salt, index and siblings do not reach the disclosed operations commitment")
    return {"signer": document["from"], "to": document["to"], "asset": document["asset"], "amount": amount,
            "nonce": nonce, "transactionHash": document["transactionHash"], "index": index, "batch": batch,
            "chainId": chain_id, "operationsCommitment": hex_of(commitment)}


def l1_batch(l1_url, number):
    try:
        with urllib.request.urlopen(f"{l1_url}/batches/{number}", timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def verify(document, l1_url, rpo=None):
    """Returns the proven facts, or raises Refused with the reason."""
    rpo = rpo or RPO.load()
    facts = check_transaction(document, rpo) if document.get("kind") == "transaction" else check_path(document, rpo)
    number = facts["batch"]
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise Refused("batch must be a batch number")
    return against_record(facts, l1_batch(l1_url, number))


def against_record(facts, record):
    """The facts once the L1's record of their batch holds their root and is executed."""
    number = facts["batch"]
    if record is None:
        raise Refused(f"the L1 has no batch {number}")
    commitment = record.get("commitment", record)
    if "operationsCommitment" in facts:
        if str(commitment.get("operationsCommitment", "")).lower() != facts["operationsCommitment"]:
            raise Refused(f"batch {number}'s operations commitment on the L1 is not the disclosed one")
    elif str(commitment.get("newStateRoot", "")).lower() != facts["stateRoot"]:
        raise Refused(f"batch {number}'s state root on the L1 is not the disclosed one")
    if record.get("status") != "executed":
        raise Refused(f"batch {number} is {record.get('status')} on the L1, not executed: not final")
    facts["executedAt"] = record.get("executedAt")
    return facts


def sentence(facts):
    asset = "the native currency" if int(facts["asset"], 16) == 0 else f"the token at {facts['asset']}"
    if "signer" in facts:
        return (f"{facts['signer']} signed transaction {facts['transactionHash']} sending {facts['amount']} (smallest unit) "
                f"of {asset} to {facts['to']} on chain {facts['chainId']}; batch {facts['batch']} holds this transfer "
                f"from {facts['signer']} as its operation {facts['index']}")
    return (f"{facts['holder']} held {facts['balance']} (smallest unit) of {asset} on chain {facts['chainId']} "
            f"as of batch {facts['batch']}")


def main(arguments):
    if len(arguments) != 3 or arguments[1] != "--l1":
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    with open(arguments[0]) as handle:
        document = json.load(handle)
    try:
        print("VERIFIED: " + sentence(verify(document, arguments[2])))
        return 0
    except Refused as reason:
        print(f"REFUSED: {reason}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
