"""Starts a real `cloister node` on a copy of the devnet config for the client tests."""
import os
import re
import shutil
import signal
import socket
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


def free_port():
    """A loopback port nothing listens on now (for a service that must come back on the same port)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_log(path, pattern, process, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(path) as handle:
            match = re.search(pattern, handle.read())
        if match:
            return match
        if process.poll() is not None:
            break
        time.sleep(0.05)
    with open(path) as handle:
        raise RuntimeError(f"{pattern} never appeared:\n" + handle.read()[-4000:])


class Node:
    """A `cloister node` process on a copy of the devnet config, every listener on port 0."""

    def __init__(self, directory, extra_args=(), edits=()):
        config_dir = os.path.join(directory, "Config")
        shutil.copytree(os.path.join(ROOT, "Config"), config_dir)
        shutil.copytree(os.path.join(ROOT, "Policies"), os.path.join(directory, "Policies"))
        self.config = os.path.join(config_dir, "cloister.toml")
        with open(self.config) as handle:
            text = handle.read()
        text = text.replace('listen = "127.0.0.1:8545"', 'listen = "127.0.0.1:0"')
        text = text.replace('listen = "127.0.0.1:8546"', 'listen = "127.0.0.1:0"')
        text = text.replace('embedded_listen = "127.0.0.1:8547"', 'embedded_listen = "127.0.0.1:0"')
        for old, new in edits:
            assert old in text, old
            text = text.replace(old, new)
        with open(self.config, "w") as handle:
            handle.write(text)
        self.directory = directory
        self.data_dir = os.path.join(directory, "data")
        self.master_key = os.path.join(directory, "master.key")
        subprocess.run([BINARY, "keys", "new-master", self.master_key], check=True, capture_output=True)
        self.extra_args = list(extra_args)
        self.starts = 0
        self.start()

    def start(self):
        self.starts += 1
        self.log_path = os.path.join(self.directory, f"node-{self.starts}.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [BINARY, "node", "--config", self.config, "--data-dir", self.data_dir, "--master-key", self.master_key]
            + self.extra_args,
            stdout=self.log, stderr=subprocess.STDOUT, cwd=self.directory,
        )
        self.port = int(wait_for_log(self.log_path, r"address=http://127\.0\.0\.1:(\d+)", self.process).group(1))
        self.admin_port = int(wait_for_log(self.log_path, r"admin=http://127\.0\.0\.1:(\d+)", self.process).group(1))
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_url = f"http://127.0.0.1:{self.admin_port}"

    def kill(self):
        """SIGKILL: no graceful shutdown, as a crash."""
        self.process.kill()
        self.process.wait(timeout=30)
        self.log.close()

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
