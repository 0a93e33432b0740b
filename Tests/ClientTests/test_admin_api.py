"""The admin API against its own OpenAPI document, with schemathesis (from PyPI), as an auditor."""
import os
import subprocess
import sys

from conftest import read_key
from test_web3 import sign_in


def test_schemathesis_finds_no_server_error_and_no_schema_violation(node):
    token = sign_in(node, read_key("auditor"))
    st = os.path.join(os.path.dirname(sys.executable), "st")
    result = subprocess.run(
        [st, "run", f"{node.admin_url}/admin/v1/openapi.json",
         "-H", f"Authorization: Bearer {token}",
         "--checks", "all", "--max-examples", "30", "--seed", "1", "--workers", "2"],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_member_without_admin_read_is_refused_on_every_route(node):
    token = sign_in(node, read_key("alice"))
    status, document = node.admin_get("/admin/v1/openapi.json")
    assert status == 200
    for path in document["paths"]:
        if "{" in path or not path.startswith("/admin/v1/") or path.endswith("openapi.json"):
            continue
        status, body = node.admin_get(path, token)
        assert status == 403, (path, status, body)
        assert "admin_read" in body["error"]


def test_auditor_reads_status_and_policy(node):
    token = sign_in(node, read_key("auditor"))
    status, body = node.admin_get("/admin/v1/status", token)
    assert status == 200
    status, policy = node.admin_get("/admin/v1/policy", token)
    assert status == 200
    assert policy["hash"] == body["policy"]["hash"]
    assert {member["name"] for member in policy["members"]} >= {"alice", "bob", "carol", "auditor"}
