"""Wallet sessions from Python: the README's sign-in snippet works as written, and a token
issued before a node restart still works after it."""
import os
import re
import shutil
import tempfile

from conftest import ROOT, Node, read_key
from test_web3 import sign_in

README = os.path.join(ROOT, "README.md")


def readme_python_blocks():
    with open(README) as handle:
        return re.findall(r"```python\n(.*?)```", handle.read(), re.S)


def test_readme_sign_in_snippet_signs_in(node):
    blocks = readme_python_blocks()
    sign_in_block = next(block for block in blocks if "/auth/login" in block)
    web3_block = next(block for block in blocks if "HTTPProvider" in block)
    namespace = {}
    for block in (sign_in_block, web3_block):
        assert '"http://127.0.0.1:8545"' in block
        code = block.replace('"http://127.0.0.1:8545"', repr(node.url))
        code = code.replace('"Config/devnet-keys/', repr(os.path.join(ROOT, "Config", "devnet-keys")) + ' + "/')
        exec(compile(code, README, "exec"), namespace)
    assert namespace["token"].startswith("cls1_")
    w3 = namespace["w3"]
    assert w3.eth.chain_id == 271828
    assert w3.eth.get_balance(namespace["account"].address) > 0


def block_number(node, token):
    answer = node.post("/", {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}, token=token)
    assert "result" in answer, answer
    return int(answer["result"], 16)


def test_token_issued_before_a_node_restart_still_works():
    directory = tempfile.mkdtemp(prefix="cloister-sessions-")
    node = Node(directory)
    try:
        token = sign_in(node, read_key("alice"))
        before = block_number(node, token)
        # Killed, not stopped: nothing about the session is written at shutdown.
        node.kill()
        node.start()
        assert block_number(node, token) >= before
        # A fresh sign-in works beside it.
        assert block_number(node, sign_in(node, read_key("bob"))) >= before
    finally:
        node.stop()
        shutil.rmtree(directory, ignore_errors=True)
