"""A second, independent verifier of Cloister balance disclosures (docs/DISCLOSURE.md).

It shares no code with the node: RPO-256 is implemented here from the published parameters
in the shared test vectors (`rpo256.json`, Miden's instance) and checked against their
known answers before use; the leaf, its keys and the Merkle path follow the format document.
Only the L1's public record of the batch is consulted.

    python3 disclosure_verifier.py FILE --l1 URL
"""
import json
import os
import sys
import urllib.error
import urllib.request

FORMAT = "cloister.disclosure/1"
DEPTH = 31
LIMB_BITS = 62
HOLDER_TAG = 0x636C6F6973746572  # "cloister"
ASSET_TAG = 0x636C2D6173736574  # "cl-asset"


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
    facts = check_path(document, rpo)
    number = facts["batch"]
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise Refused("batch must be a batch number")
    record = l1_batch(l1_url, number)
    if record is None:
        raise Refused(f"the L1 has no batch {number}")
    commitment = record.get("commitment", record)
    if str(commitment.get("newStateRoot", "")).lower() != facts["stateRoot"]:
        raise Refused(f"batch {number}'s state root on the L1 is not the disclosed one")
    if record.get("status") != "executed":
        raise Refused(f"batch {number} is {record.get('status')} on the L1, not executed: not final")
    facts["executedAt"] = record.get("executedAt")
    return facts


def sentence(facts):
    asset = "the native currency" if int(facts["asset"], 16) == 0 else f"the token at {facts['asset']}"
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
