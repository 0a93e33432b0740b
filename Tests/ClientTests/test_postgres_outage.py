"""PostgreSQL stops for a while under a light load (`make pg-outage-check`; set CLOISTER_PG_OUTAGE_SECONDS,
20 by default there): the node refuses new transactions with a clear error while the server is away,
loses no transaction it acknowledged, and resumes by itself when the server is back."""
import os
import shutil
import subprocess
import tempfile
import threading
import time

import pytest
from eth_account import Account
from web3.exceptions import Web3RPCError

from conftest import ROOT, Node, read_key, require_postgres
from test_web3 import EURD, ERC20_ABI, connect

OUTAGE = float(os.environ.get("CLOISTER_PG_OUTAGE_SECONDS", "0"))
pytestmark = pytest.mark.skipif(OUTAGE <= 0, reason="set CLOISTER_PG_OUTAGE_SECONDS (make pg-outage-check)")


def cluster(command):
    subprocess.run([f"{ROOT}/scripts/pg-test-cluster.sh", command, os.environ["CLOISTER_TEST_POSTGRES_STATE"]], check=True)


def test_outage_under_light_load_loses_nothing_acknowledged():
    require_postgres()
    directory = tempfile.mkdtemp(prefix="cloister-client-outage-")
    node = Node(directory, store="postgres")
    try:
        alice = Account.from_key(read_key("alice"))
        carol = Account.from_key(read_key("carol"))
        w3 = connect(node, alice.key)
        eurd = w3.eth.contract(address=EURD, abi=ERC20_ABI)
        nonce = w3.eth.get_transaction_count(alice.address, "pending")
        acknowledged, refusals, stop = [], [], threading.Event()
        # Everything but the signature is fixed now: while the server is away, only admission is asked.
        fixed = eurd.functions.transfer(carol.address, 10_000).build_transaction({"from": alice.address, "nonce": nonce})

        def load():
            nonlocal nonce
            while not stop.is_set():
                transaction = dict(fixed, nonce=nonce)
                try:
                    acknowledged.append(w3.eth.send_raw_transaction(alice.sign_transaction(transaction).raw_transaction))
                    nonce += 1
                except Web3RPCError as error:
                    refusals.append((time.time(), str(error)))  # the same nonce is sent again
                except Exception as error:  # a timeout of the HTTP call itself: ask again with the same nonce
                    refusals.append((time.time(), repr(error)))
                time.sleep(0.1)

        sender = threading.Thread(target=load)
        sender.start()
        time.sleep(3)
        before_outage = len(acknowledged)
        # The outage starts as the server begins its shutdown (a fast shutdown with a checkpoint
        # can take seconds, and requests already fail while it runs).
        halted = time.time()
        cluster("halt")
        time.sleep(OUTAGE)
        cluster("resume")
        resumed = time.time()
        time.sleep(OUTAGE / 2 + 5)
        stop.set()
        sender.join()

        # A refusal is answered up to the store's 10 s operation timeout after its request was sent.
        during = [message for at, message in refusals if halted <= at <= resumed + 11]
        assert during, "nothing was refused while the server was away"
        assert all("unavailable" in message for message in during), during[:3]
        after = [hash for hash in acknowledged[before_outage:]]
        assert len(acknowledged) > before_outage + 10, "the node did not resume admitting"
        for tx_hash in acknowledged:
            assert w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.2)["status"] == 1
        print(f"acknowledged {len(acknowledged)} ({len(after)} after the outage began), refused {len(refusals)}; "
              f"first refusal: {during[0][:300]}")
    finally:
        if node.process.poll() is None:
            node.stop()
        shutil.rmtree(directory, ignore_errors=True)
