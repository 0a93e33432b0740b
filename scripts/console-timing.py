#!/usr/bin/env python3
"""Times every audit-console page against a running node (docs/CONSOLE.md, "Page times").

Signs in as a member holding admin_read (wallet sign-in with its key, then the console's own
sign-in form), then fetches each page RUNS times over one keep-alive connection and prints the
median and the slowest time per page, from the request to the last byte of the HTML.

    scripts/console-timing.py --admin http://127.0.0.1:8546 --api-key-file FILE [--runs 5]
    scripts/console-timing.py --admin http://127.0.0.1:8546 --api http://127.0.0.1:8545 --key FILE
"""
import argparse
import http.client
import json
import re
import statistics
import sys
import time
import urllib.parse

from eth_account import Account
from eth_account.messages import encode_defunct


def post_json(base, path, body):
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        sys.exit(f"{path}: HTTP {response.status}: {data[:300]!r}")
    return json.loads(data)


def wallet_token(api, key):
    account = Account.from_key(key)
    challenge = post_json(api, "/auth/challenge", {"address": account.address})
    signed = Account.sign_message(encode_defunct(text=challenge["message"]), private_key=key)
    signature = "0x" + signed.signature.hex().removeprefix("0x")
    return post_json(api, "/auth/login", {"message": challenge["message"], "signature": signature})["token"]


def cookie(response, name):
    for header, value in response.getheaders():
        if header.lower() == "set-cookie" and value.startswith(name + "="):
            return value.split(";", 1)[0].split("=", 1)[1]
    return None


def console_session(connection, credential):
    connection.request("GET", "/console/sign-in")
    response = connection.getresponse()
    page = response.read().decode()
    form_cookie_header = [v for h, v in response.getheaders() if h.lower() == "set-cookie"][0].split(";", 1)[0]
    form_token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"form_token": form_token, "credential": credential})
    connection.request("POST", "/console/sign-in", body, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": form_cookie_header, "Sec-Fetch-Site": "same-origin"})
    response = connection.getresponse()
    response.read()
    session = cookie(response, "cloister_console")
    if not session:
        sys.exit(f"console sign-in refused: HTTP {response.status}")
    return "cloister_console=" + session


def timed_get(connection, path, session):
    started = time.perf_counter()
    connection.request("GET", path, headers={"Cookie": session})
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    if response.status != 200:
        sys.exit(f"{path}: HTTP {response.status}: {body[:300]!r}")
    return elapsed, body.decode()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin", required=True, help="the admin listener's URL")
    parser.add_argument("--api-key-file", help="file holding an API key of a member with admin_read")
    parser.add_argument("--api", help="the member API's URL (wallet sign-in with --key)")
    parser.add_argument("--key", help="file holding the private key of a member with admin_read")
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    if options.api_key_file:
        with open(options.api_key_file) as handle:
            credential = handle.read().strip()
    elif options.key and options.api:
        with open(options.key) as handle:
            credential = wallet_token(options.api, handle.read().strip())
    else:
        parser.error("give --api-key-file, or --api and --key")
    admin = urllib.parse.urlsplit(options.admin)
    connection = http.client.HTTPConnection(admin.hostname, admin.port, timeout=120)
    session = console_session(connection, credential)

    _, page = timed_get(connection, "/console/transactions", session)
    links = re.findall(r'href="(/console/transactions/0x[0-9a-f]{64})"', page)
    nexts = re.findall(r'href="(/console/transactions\?[^"]*cursor=[^"]*)"', page)
    _, policy = timed_get(connection, "/console/policy", session)
    versions = re.findall(r'href="(/console/policy/0x[0-9a-f]+(?:\?compare=0x[0-9a-f]+)?)"', policy)
    pages = ["/console/overview", "/console/transactions", "/console/transactions?outcome=failed",
             "/console/decisions", "/console/batches", "/console/accounts", "/console/tokens", "/console/audit",
             "/console/policy", "/console/audit/verify"]
    pages += [p.replace("&amp;", "&") for p in nexts[:1] + links[:1] + versions[:1]]
    print(f"{'page':70} {'median ms':>10} {'max ms':>8} {'bytes':>9}")
    worst = 0.0
    for path in pages:
        times = []
        for _ in range(options.runs):
            elapsed, body = timed_get(connection, path, session)
            times.append(elapsed * 1000)
        worst = max(worst, max(times))
        print(f"{path[:70]:70} {statistics.median(times):10.1f} {max(times):8.1f} {len(body):9}")
    print(f"slowest single request: {worst:.1f} ms")


if __name__ == "__main__":
    main()
