"""Upgrade check: a devnet chain written by one `cloister` binary is opened by another.

usage: .venv/bin/python scripts/cross-version-check.py OLD_BINARY NEW_BINARY

The old binary starts a devnet (Config/ and Policies/ copied to a temporary folder, batches
of 4 blocks or 1 s), alice sends 6 transfers, batches settle on the embedded L1 mock; then the
new binary opens the same data: every old receipt and block hash must read back identical, and
new transfers must execute and settle on top (the L1 records the old binary wrote included).
Uses ports 8545-8547 on 127.0.0.1. Exits non-zero when anything differs.
"""
import json, os, shutil, subprocess, sys, tempfile, time, urllib.request, signal
from eth_account import Account
from eth_account.messages import encode_defunct
from web3 import Web3
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = tempfile.mkdtemp(prefix="cloister-xver-")
for folder in ("Config", "Policies"):
    shutil.copytree(os.path.join(REPO, folder), os.path.join(ROOT, folder))
os.makedirs(os.path.join(ROOT, ".data"))
with open(os.path.join(ROOT, "Config", "cloister.toml")) as handle:
    text = handle.read()
text = text.replace("max_blocks = 40 ", "max_blocks = 4 ").replace("max_interval_ms = 10000 ", "max_interval_ms = 1000 ")
with open(os.path.join(ROOT, "Config", "cloister.toml"), "w") as handle:
    handle.write(text)
def key(name): return open(f"{ROOT}/Config/devnet-keys/{name}.key").read().strip()
def post(path, body, token=None):
    req = urllib.request.Request("http://127.0.0.1:8545" + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
    return json.loads(urllib.request.urlopen(req, timeout=10).read())
def get(url): return json.loads(urllib.request.urlopen(url, timeout=10).read())
def wait_up():
    for _ in range(300):
        try: return get("http://127.0.0.1:8545/health")
        except Exception: time.sleep(0.1)
    raise SystemExit("node did not come up")
def connect():
    acct = Account.from_key(key("alice"))
    ch = post("/auth/challenge", {"address": acct.address})
    sig = Account.sign_message(encode_defunct(text=ch["message"]), private_key=key("alice"))
    tok = post("/auth/login", {"message": ch["message"], "signature": "0x" + sig.signature.hex().removeprefix("0x")})["token"]
    return acct, Web3(Web3.HTTPProvider("http://127.0.0.1:8545", request_kwargs={"headers": {"Authorization": f"Bearer {tok}"}}))
def send(n):
    acct, w3 = connect()
    bob = Account.from_key(key("bob")).address
    hashes = []
    for _ in range(n):
        nonce = w3.eth.get_transaction_count(acct.address, "pending")
        tx = Account.sign_transaction({"to": bob, "value": 1, "gas": 21000, "gasPrice": 0, "nonce": nonce, "chainId": w3.eth.chain_id}, key("alice"))
        hashes.append(w3.eth.send_raw_transaction(tx.raw_transaction))
    return w3, [dict(w3.eth.wait_for_transaction_receipt(h, timeout=30)) for h in hashes]
def l1_batches():
    return get("http://127.0.0.1:8547/status")
def run(binary, phase):
    log = open(f"{ROOT}/{phase}.log", "w")
    p = subprocess.Popen([binary, "node", "--config", f"{ROOT}/Config/cloister.toml"], stdout=log, stderr=subprocess.STDOUT)
    try:
        health = wait_up()
        print(phase, "up:", health)
        if phase == "old":
            w3, receipts = send(6)
        else:
            w3, receipts = send(3)
        time.sleep(12)  # batches seal (4 blocks / 1 s), commit, prove, execute
        status = l1_batches()
        print(phase, "L1:", {k: status[k] for k in ("lastCommitted", "lastProven", "lastExecuted")})
        settled[phase] = status["lastExecuted"]
        return w3, receipts
    finally:
        p.send_signal(signal.SIGTERM); p.wait(timeout=60)
settled = {}
old_bin, new_bin = sys.argv[1], sys.argv[2]
subprocess.run([old_bin, "keys", "new-master", f"{ROOT}/.data/devnet-master.key"], check=True)
w3, old_receipts = run(old_bin, "old")
old_hashes = [r["transactionHash"] for r in old_receipts]
log = open(f"{ROOT}/new.log", "w")
p = subprocess.Popen([new_bin, "node", "--config", f"{ROOT}/Config/cloister.toml"], stdout=log, stderr=subprocess.STDOUT)
try:
    health = wait_up(); print("new up:", health)
    acct, w3 = connect()
    again = [dict(w3.eth.get_transaction_receipt(h)) for h in old_hashes]
    print("old receipts identical after upgrade:", again == old_receipts)
    blocks_same = all(w3.eth.get_block(r["blockNumber"])["hash"] == r["blockHash"] for r in old_receipts)
    print("old block hashes identical:", blocks_same)
    if again != old_receipts or not blocks_same:
        raise SystemExit("the new binary reads the old chain differently")
finally:
    p.send_signal(signal.SIGTERM); p.wait(timeout=60)
w3, new_receipts = run(new_bin, "new2")
print("new transfers:", [r["status"] for r in new_receipts])
if any(r["status"] != 1 for r in new_receipts):
    raise SystemExit("transfers failed on the upgraded chain")
if settled.get("new2", 0) <= settled.get("old", 0):
    raise SystemExit(f"settlement did not go on after the upgrade: {settled}")
shutil.rmtree(ROOT)
print("upgrade check passed")
