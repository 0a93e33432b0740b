"""Starts a real `cloister node` on a copy of the devnet config for the client tests."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import json

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("CLOISTER_BINARY", os.path.join(ROOT, ".build", "debug", "cloister"))


def read_key(name):
    with open(os.path.join(ROOT, "Config", "devnet-keys", f"{name}.key")) as handle:
        return handle.read().strip()


class Node:
    def __init__(self, directory):
        config_dir = os.path.join(directory, "Config")
        shutil.copytree(os.path.join(ROOT, "Config"), config_dir)
        shutil.copytree(os.path.join(ROOT, "Policies"), os.path.join(directory, "Policies"))
        config = os.path.join(config_dir, "cloister.toml")
        with open(config) as handle:
            text = handle.read()
        text = text.replace('listen = "127.0.0.1:8545"', 'listen = "127.0.0.1:0"')
        text = text.replace('listen = "127.0.0.1:8546"', 'listen = "127.0.0.1:0"')
        text = text.replace('embedded_listen = "127.0.0.1:8547"', 'embedded_listen = "127.0.0.1:0"')
        with open(config, "w") as handle:
            handle.write(text)
        self.master_key = os.path.join(directory, "master.key")
        subprocess.run([BINARY, "keys", "new-master", self.master_key], check=True, capture_output=True)
        self.log_path = os.path.join(directory, "node.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [BINARY, "node", "--config", config, "--data-dir", os.path.join(directory, "data"), "--master-key", self.master_key],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=directory,
        )
        deadline = time.time() + 60
        self.port = None
        self.admin_port = None
        while time.time() < deadline and (self.port is None or self.admin_port is None):
            time.sleep(0.05)
            with open(self.log_path) as handle:
                log = handle.read()
            match = re.search(r"address=http://127\.0\.0\.1:(\d+)", log)
            if match:
                self.port = int(match.group(1))
            match = re.search(r"admin=http://127\.0\.0\.1:(\d+)", log)
            if match:
                self.admin_port = int(match.group(1))
            if self.process.poll() is not None:
                break
        if self.port is None or self.admin_port is None:
            with open(self.log_path) as handle:
                raise RuntimeError("node did not start:\n" + handle.read())
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_url = f"http://127.0.0.1:{self.admin_port}"

    def admin_get(self, path, token=None):
        """GET on the admin listener; returns (status, parsed JSON or text)."""
        request = urllib.request.Request(self.admin_url + path, method="GET")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                body = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            body = error.read()
            status = error.code
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body.decode()

    def post(self, path, payload, token=None):
        request = urllib.request.Request(self.url + path, data=json.dumps(payload).encode(), method="POST")
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stop(self):
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture(scope="session")
def node():
    directory = tempfile.mkdtemp(prefix="cloister-client-")
    running = Node(directory)
    yield running
    running.stop()
    shutil.rmtree(directory, ignore_errors=True)
