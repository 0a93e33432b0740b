"""The audit console in a real browser: Debian's headless Chromium driven by Selenium (PyPI)
against a real node on loopback. `make test` installs both when missing (scripts/browser-test-deps.sh);
elsewhere the tests are skipped with the reason, and under CI=true a missing browser is a failure."""
import os
import re
import shutil
import tempfile
import time
import urllib.request

import pytest
from eth_account import Account
from web3 import Web3

from conftest import Node, read_key
from test_web3 import CHAIN_ID, ERC20_ABI, EURD, connect, sign_in

HOSTILE = "<script>alert(1)</script>"
NEWCOMER = Account.from_key("0x" + "42" * 32)


def missing_browser():
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -r requirements.txt)"
    for tool in ("chromium", "chromedriver"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install chromium chromium-driver, or scripts/browser-test-deps.sh)"
    return None


@pytest.fixture(scope="module")
def console_node():
    """A node whose policy names a member `<script>alert(1)</script>` and holds EURD to its
    four genesis holders, so a transfer to a fifth is refused at execution by `eurd-holders`."""
    reason = missing_browser()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail("the console's browser tests need a browser under CI: " + reason)
        pytest.skip(reason)
    directory = tempfile.mkdtemp(prefix="cloister-console-")
    node = Node(directory)
    auditor = sign_in(node, read_key("auditor"))
    policies = os.path.join(directory, "Policies")
    with open(os.path.join(policies, "members.toml"), "a") as handle:
        handle.write(
            f'\n[[member]]\nname = "{HOSTILE}"\naddress = "{NEWCOMER.address}"\norganisation = "bank-a"\n'
            'roles = ["trader"]\nkyc_tier = 2\njurisdiction = "DE"\n')
    path = os.path.join(policies, "compliance.toml")
    with open(path) as handle:
        text = handle.read()
    text, count = re.subn(r'(id = "eurd-holders"\nkind = "max_holders"\nasset = "EURD"\nmax = )\d+', r"\g<1>4", text)
    assert count == 1
    with open(path, "w") as handle:
        handle.write(text)
    # The node reloads the folder when a file changes; wait for the new policy to be in force.
    for _ in range(200):
        status, policy = node.admin_get("/admin/v1/policy", auditor)
        if status == 200 and any(member["name"] == HOSTILE for member in policy["members"]):
            break
        time.sleep(0.1)
    else:
        pytest.fail("the edited policy was not loaded: " + node.dump())
    node.auditor_token = auditor
    node.screenshots = os.path.join(directory, "screenshots")
    os.makedirs(node.screenshots)
    yield node
    node.stop()
    keep = os.environ.get("CLOISTER_CONSOLE_SCREENSHOTS")  # e.g. docs/console, to refresh the README's pictures
    if keep:
        os.makedirs(keep, exist_ok=True)
        for name in os.listdir(node.screenshots):
            shutil.copy(os.path.join(node.screenshots, name), keep)
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def chain_activity(console_node):
    """Alice's transfers: four to carol (to page through), one EURD transfer refused at execution."""
    alice = Account.from_key(read_key("alice"))
    carol = Account.from_key(read_key("carol"))
    w3 = connect(console_node, alice.key)
    nonce = w3.eth.get_transaction_count(alice.address, "pending")
    hashes = []
    for index in range(4):
        transfer = {"to": carol.address, "value": 1000 + index, "gas": 21000, "gasPrice": 0, "chainId": CHAIN_ID, "nonce": nonce}
        hashes.append(w3.eth.send_raw_transaction(alice.sign_transaction(transfer).raw_transaction))
        nonce += 1
    eurd = w3.eth.contract(address=EURD, abi=ERC20_ABI)
    refused = eurd.functions.transfer(NEWCOMER.address, 1_000_000).build_transaction(
        {"from": alice.address, "nonce": nonce, "gas": 100_000, "chainId": CHAIN_ID})
    hashes.append(w3.eth.send_raw_transaction(alice.sign_transaction(refused).raw_transaction))
    receipts = [w3.eth.wait_for_transaction_receipt(h, timeout=30, poll_latency=0.1) for h in hashes]
    assert [r["status"] for r in receipts] == [1, 1, 1, 1, 0]
    return {"refused": Web3.to_hex(hashes[-1])}


@pytest.fixture()
def browser(console_node):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = os.path.join(console_node.directory, "downloads")
    os.makedirs(downloads, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000",
                     "--no-first-run", "--disable-extensions"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.add_experimental_option("prefs", {"download.default_directory": downloads, "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    driver.downloads = downloads
    yield driver
    driver.quit()


def open_page(driver, node, path):
    driver.get(node.admin_url + path)
    return driver


def follow(driver, element):
    """Clicks a link or button and waits until the page it leads to has replaced this one."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    element.click()

    def replaced(_):
        # Chromium reports an element of a page it has left either as stale or, while the new
        # document is being attached, as "does not belong to the document".
        try:
            element.is_enabled()
            return False
        except (StaleElementReferenceException, WebDriverException):
            return True

    WebDriverWait(driver, 30).until(replaced)


def sign_in_as(driver, node, credential):
    from selenium.webdriver.common.by import By

    open_page(driver, node, "/console/sign-in")
    driver.find_element(By.ID, "credential").send_keys(credential)
    follow(driver, driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))


def assert_clean(driver, where):
    """No alert opened and nothing logged as an error (a CSP violation would be)."""
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == [], (where, errors)


def shoot(driver, node, name):
    driver.save_screenshot(os.path.join(node.screenshots, name + ".png"))


def test_signed_out_browser_is_sent_to_sign_in(browser, console_node):
    open_page(browser, console_node, "/console/transactions")
    assert "/console/sign-in?next=" in browser.current_url
    assert browser.title.startswith("Sign in")
    shoot(browser, console_node, "sign-in")
    assert_clean(browser, "sign-in")


def test_plain_member_is_refused(browser, console_node):
    from selenium.webdriver.common.by import By

    sign_in_as(browser, console_node, sign_in(console_node, read_key("alice")))
    assert browser.title.startswith("Access refused")
    assert "Member alice lacks admin_read" in browser.find_element(By.TAG_NAME, "main").text
    open_page(browser, console_node, "/console/overview")
    assert "/console/sign-in" in browser.current_url


def test_auditor_opens_every_page_and_follows_a_refusal_to_its_rule(browser, console_node, chain_activity):
    from selenium.webdriver.common.by import By

    sign_in_as(browser, console_node, console_node.auditor_token)
    assert browser.current_url.endswith("/console/overview")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Overview"
    assert browser.find_elements(By.CSS_SELECTOR, "svg rect.bar")
    shoot(browser, console_node, "overview")
    assert_clean(browser, "overview")

    # The refused transfer, from the list of failed transactions to its rule and policy version.
    follow(browser, browser.find_element(By.LINK_TEXT, "Transactions"))
    browser.find_element(By.ID, "filter-outcome").send_keys("failed")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "form.filters button"))
    shoot(browser, console_node, "transactions")
    assert_clean(browser, "transactions")
    follow(browser, browser.find_element(By.PARTIAL_LINK_TEXT, chain_activity["refused"]))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Transaction"
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "eurd-holders" in main and "deny" in main
    shoot(browser, console_node, "transaction")
    assert_clean(browser, "transaction")
    follow(browser, browser.find_element(By.LINK_TEXT, "eurd-holders"))
    assert "#rule-eurd-holders" in browser.current_url
    assert browser.find_element(By.ID, "rule-eurd-holders").text == "eurd-holders"
    status, policy = console_node.admin_get("/admin/v1/policy", console_node.auditor_token)
    assert policy["hash"] in browser.current_url, "the decision links to the version that made it"
    assert HOSTILE in browser.find_element(By.TAG_NAME, "main").text
    shoot(browser, console_node, "policy")
    assert_clean(browser, "policy")

    # The history links each version to the changes from the one before.
    open_page(browser, console_node, "/console/policy")
    follow(browser, browser.find_element(By.LINK_TEXT, "Changes from the version before"))
    assert "added" in browser.find_element(By.TAG_NAME, "main").text
    assert_clean(browser, "policy diff")


def test_auditor_opens_the_record_pages_and_checks_the_audit_chain(browser, console_node, chain_activity):
    from selenium.webdriver.common.by import By

    # The devnet seals a batch within 10 s of a transaction and commits it to the embedded L1.
    for _ in range(600):
        status, batches = console_node.admin_get("/admin/v1/batches", console_node.auditor_token)
        if any(batch["status"] in ("committed", "proven", "executed") for batch in batches["items"]):
            break
        time.sleep(0.1)
    sign_in_as(browser, console_node, console_node.auditor_token)
    pages = (("Decisions", "Policy decisions", "decisions"), ("Batches", "Batches", "batches"),
             ("Accounts", "Accounts", "accounts"), ("Tokens", "Tokens", "tokens"), ("Audit log", "Audit log", "audit"))
    for label, title, name in pages:
        follow(browser, browser.find_element(By.LINK_TEXT, label))
        assert browser.find_element(By.TAG_NAME, "h1").text == title
        assert browser.find_elements(By.CSS_SELECTOR, "table th[scope=col]"), name
        shoot(browser, console_node, name)
        assert_clean(browser, name)
    open_page(browser, console_node, "/console/audit")
    follow(browser, browser.find_element(By.LINK_TEXT, "Check the hash chain against the L1"))
    result = browser.find_element(By.TAG_NAME, "main").text
    assert "verified: every entry links to the one before, and the head committed on the L1" in result, result
    shoot(browser, console_node, "audit-chain")
    assert_clean(browser, "audit chain")


def test_auditor_pages_through_transactions_and_downloads_an_export(browser, console_node, chain_activity):
    from selenium.webdriver.common.by import By

    sign_in_as(browser, console_node, console_node.auditor_token)
    open_page(browser, console_node, "/console/transactions?member=alice&limit=2")
    seen = []
    for _ in range(10):
        seen += [link.text for link in browser.find_elements(By.CSS_SELECTOR, "tbody td a[href^='/console/transactions/'] code")]
        following = browser.find_elements(By.CSS_SELECTOR, "a[rel=next]")
        if not following:
            break
        follow(browser, following[0])
    assert len(seen) == 5 and len(set(seen)) == 5, seen
    assert chain_activity["refused"] in seen
    assert_clean(browser, "pages")

    open_page(browser, console_node, "/console/transactions?member=alice")
    browser.find_element(By.LINK_TEXT, "Export as CSV").click()  # a download: the page stays
    path = os.path.join(browser.downloads, "transactions.csv")
    for _ in range(300):
        if os.path.exists(path):
            break
        time.sleep(0.1)
    with open(path) as handle:
        rows = handle.read().strip().splitlines()
    assert rows[0].startswith("hash,block,")
    assert len(rows) == 1 + 5


def test_keyboard_alone_signs_in_and_moves_between_pages(browser, console_node):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    open_page(browser, console_node, "/console/sign-in")
    assert browser.switch_to.active_element.get_attribute("id") == "credential", "the field has the focus"
    ActionChains(browser).send_keys(console_node.auditor_token + Keys.ENTER).perform()
    WebDriverWait(browser, 30).until(expected_conditions.url_contains("/console/overview"))
    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert browser.switch_to.active_element.text == "Skip to content"
    ActionChains(browser).send_keys(Keys.TAB, Keys.TAB).perform()
    assert browser.switch_to.active_element.text == "Transactions"
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    WebDriverWait(browser, 30).until(expected_conditions.url_contains("/console/transactions"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Transactions"


def test_sign_out_ends_the_session(browser, console_node):
    from selenium.webdriver.common.by import By

    sign_in_as(browser, console_node, console_node.auditor_token)
    follow(browser, browser.find_element(By.CSS_SELECTOR, "form.sign-out button"))
    assert "/console/sign-in" in browser.current_url
    open_page(browser, console_node, "/console/overview")
    assert "/console/sign-in" in browser.current_url


def test_console_is_served_on_the_admin_listener_only(console_node):
    request = urllib.request.Request(console_node.url + "/console/overview")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code in (401, 404, 405)
