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
# CLOISTER_CLIENT_STORE=postgres runs every node of the suite on PostgreSQL (`make client-test-postgres`):
# a new database per node on the test cluster of scripts/pg-test-cluster.sh (CLOISTER_TEST_POSTGRES_URL).
STORE = os.environ.get("CLOISTER_CLIENT_STORE", "sqlite")
POSTGRES_URL = os.environ.get("CLOISTER_TEST_POSTGRES_URL", "")


def postgres_tool(name):
    return os.path.join(os.environ.get("CLOISTER_TEST_POSTGRES_BIN", "/usr/bin"), name)


def postgres_url(database):
    """The cluster's URL with `database` in place of its own (no password: that is in the environment)."""
    base, _, _ = POSTGRES_URL.rpartition("/")
    return f"{base}/{database}"


def postgres_run(tool, *arguments):
    environment = dict(os.environ, PGPASSWORD=os.environ.get("CLOISTER_TEST_POSTGRES_PASSWORD", ""))
    return subprocess.run([postgres_tool(tool), *arguments], check=True, capture_output=True, env=environment).stdout


def require_postgres():
    """The cluster's URL; without one, the test fails under CI and is skipped, saying why, elsewhere."""
    if POSTGRES_URL:
        return POSTGRES_URL
    reason = ("needs the PostgreSQL test cluster: run `make test`/`make client-test-postgres`, or "
              "`scripts/pg-test-cluster.sh start` and export .build/pg-test-cluster/env")
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but CLOISTER_TEST_POSTGRES_URL is not set: " + reason)
    pytest.skip(reason)


def create_postgres_database():
    """A new empty database on the test cluster; returns its name."""
    require_postgres()
    name = "cloister_client_" + os.urandom(8).hex()
    postgres_run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", POSTGRES_URL, "-c", f"CREATE DATABASE {name}")
    return name


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

    def __init__(self, directory, extra_args=(), edits=(), store=None):
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
        self.store = store or STORE
        self.database = None
        if self.store == "postgres":
            self.database = create_postgres_database()
            engine = "\n".join([
                'engine = "postgres"',
                f'postgres_url = "{postgres_url(self.database)}"',
                'postgres_password_env = "CLOISTER_TEST_POSTGRES_PASSWORD"',
            ])
            text, replaced = re.subn(r'^engine = "sqlite".*$', lambda _: engine, text, count=1, flags=re.MULTILINE)
            if not replaced:
                text = text.replace("[storage]\n", "[storage]\n" + engine + "\n", 1)
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

    def dump(self):
        """A plain pg_dump of the node's database (a PostgreSQL node only), as a backup holds it."""
        return postgres_run("pg_dump", "--no-owner", "-d", postgres_url(self.database))

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
