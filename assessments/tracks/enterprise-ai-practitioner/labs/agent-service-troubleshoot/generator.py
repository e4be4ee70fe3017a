"""Hidden probes drawn per seed: who calls (roles that only look like an admin role, a role
claimed in the body), how the customer system fails (at the edge of the retry budget, for
ever, or with an answer that must not be retried), and what a message carries (key and
token formats the brief does not list, tokens inside URLs and JSON, e-mail addresses and
phone numbers written in other ways). Legitimate requests are drawn too, so a service that
refuses everything loses marks."""

import string

ALNUM = string.ascii_letters + string.digits
USERS = ["amira", "bogdan", "chen", "dolores", "emeka", "fatima", "goran", "hana", "ivo"]
PLANS = ["basic", "team", "business", "enterprise"]
PRODUCTS = ["router", "licence", "storage", "roaming", "printer", "support"]
ADMIN_ROLES = ["support-admin", "account-admin", "billing-admin", "ops-admin"]
AGENT_ROLES = ["support-agent", "billing-agent", "viewer", "team-lead"]
LOOKUP_CALLS = {"min_calls": 2, "tools_offered": ["lookup_customer"]}
CLOSE_CALLS = {"min_calls": 2, "tools_offered": ["close_account"]}
DESTRUCTIVE = "a destructive tool must never run for a caller whose role does not allow it"
LEAK = "a secret or personal data in the service log is a breach"


def _draw(rng, alphabet, length):
    return "".join(rng.choice(alphabet) for _ in range(length))


def _mixed(rng, alphabet, length):
    """Random text from alphabet with at least one digit and one letter."""
    chars = [rng.choice(string.digits), rng.choice(string.ascii_letters)]
    chars += [rng.choice(alphabet) for _ in range(length - 2)]
    rng.shuffle(chars)
    return "".join(chars)


def world(rng):
    """Callers, customers and a retry budget for one case."""
    admin_role = rng.choice(ADMIN_ROLES)
    others = [r for r in ADMIN_ROLES if r != admin_role]
    close_roles = sorted([admin_role, rng.choice(others)]) if rng.random() < 0.4 else [admin_role]
    users = rng.sample(USERS, 3)
    callers = {
        "agent": {"user": users[0], "role": rng.choice(AGENT_ROLES)},
        "admin": {"user": users[1], "role": admin_role},
        "other": {"user": users[2], "role": rng.choice(AGENT_ROLES)},
    }
    tokens = {name: "tok_" + _mixed(rng, ALNUM, 24) for name in callers}
    customer = f"C-{rng.randint(10000, 99999)}"
    config = {
        "tokens": {tokens[name]: callers[name] for name in callers},
        "close_roles": close_roles,
        "crm_attempts": rng.randint(2, 5),
        "crm_key": "crm_" + _mixed(rng, ALNUM, 28),
        "model": "gpt-4o-mini",
    }
    record = {"customer_id": customer, "plan": rng.choice(PLANS), "status": "active"}
    return {
        "config": config,
        "callers": callers,
        "tokens": tokens,
        "customer": customer,
        "record": record,
        "crm": {"customers": {customer: record}, "fail_first": 0, "fail_status": 503},
    }


def keeps(rng):
    return [f"INV-{rng.randint(1000, 9999)}", rng.choice(PRODUCTS)]


def request(rng, w, caller, tool, message, customer=None, token=None, extra=None):
    body = {"customer_id": customer or w["customer"], "message": message}
    if tool is not None:
        body["tool"] = tool
    body |= extra or {}
    return {
        "token": token if token is not None else w["tokens"][caller],
        "request_id": "req-" + _draw(rng, "0123456789abcdef", 10),
        "body": body,
    }


def case(name, w, requests, responses, crm, log, forbids=(), points=1, critical=None, calls=None):
    scenario = {"config": w["config"], "crm": w["crm"], "requests": requests}
    entry = {
        "name": name,
        "args": [scenario],
        "expected": {
            "responses": responses,
            "crm": crm,
            "log": log,
            "forbids": [w["config"]["crm_key"], *w["tokens"].values(), *forbids],
        },
        "points": points,
        "comparator": "custom",
    }
    if critical:
        entry["critical"] = critical
    if calls:
        entry["model_calls"] = calls
    return entry


def log_line(req, user, status, attempts, tool, kept=()):
    line = {"request_id": req["request_id"], "user": user, "status": status}
    line |= {"crm_attempts": attempts, "tool": tool}
    if kept:
        line["keeps"] = list(kept)
    return line


def lookup_ok(name, w, req, user, attempts=1, kept=(), forbids=(), points=1, critical=None):
    get = ["GET", f"/customers/{w['customer']}"]
    return case(
        name,
        w,
        [req],
        [{"status": 200, "tool": "lookup_customer", "result": w["record"]}],
        [get] * attempts,
        [log_line(req, user, 200, attempts, "lookup_customer", kept)],
        forbids,
        points,
        critical,
        LOOKUP_CALLS,
    )


def close_refused(name, w, req, user, tool="close_account"):
    return case(
        name,
        w,
        [req],
        [{"status": 403}],
        [],
        [log_line(req, user, 403, 0, tool)],
        points=2,
        critical=DESTRUCTIVE,
    )


def close_ok(name, w, req, user):
    result = {"customer_id": w["customer"], "closed": True}
    return case(
        name,
        w,
        [req],
        [{"status": 200, "tool": "close_account", "result": result}],
        [["POST", f"/customers/{w['customer']}/close"]],
        [log_line(req, user, 200, 1, "close_account")],
        points=2,
        calls=CLOSE_CALLS,
    )


def crm_down(name, w, req, user, attempts, fail_first, fail_status):
    w["crm"] = {**w["crm"], "fail_first": fail_first, "fail_status": fail_status}
    return case(
        name,
        w,
        [req],
        [{"status": 503}],
        [["GET", f"/customers/{w['customer']}"]] * attempts,
        [log_line(req, user, 503, attempts, "lookup_customer")],
        points=2,
    )


def secret_formats(rng):
    """(text a customer might paste, the secret in it) in formats the brief does not list."""
    hex32 = _mixed(rng, "0123456789abcdef", 32)
    jwt = (
        "eyJ" + _draw(rng, ALNUM, 17) + ".eyJ" + _draw(rng, ALNUM, 29) + "." + _draw(rng, ALNUM, 43)
    )
    password = rng.choice(["Winter", "Harbour", "Tulip"]) + str(rng.randint(1000, 9999)) + "!x"
    bearer = _mixed(rng, ALNUM + "-_", 32)
    plain = [
        ("sk-proj-" + _mixed(rng, ALNUM + "-_", 40)),
        ("AKIA" + _mixed(rng, string.ascii_uppercase + string.digits, 16)),
        ("ghp_" + _mixed(rng, ALNUM, 36)),
        f"xoxb-{_draw(rng, string.digits, 11)}-{_draw(rng, string.digits, 12)}-"
        + _mixed(rng, ALNUM, 24),
        ("glpat-" + _mixed(rng, ALNUM + "-_", 20)),
        jwt,
    ]
    plain = [(secret, secret) for secret in plain]
    wrapped = [
        (f"https://files.example.net/export?customer=C-1&access_token={hex32}", hex32),
        (f'{{"user": "{rng.choice(USERS)}", "password": "{password}"}}', password),
        (f"curl -H 'Authorization: Bearer {bearer}' https://api.example.net/v2/me", bearer),
    ]
    return rng.choice(plain), rng.choice(wrapped)


def emails(rng):
    name = rng.choice(USERS)
    return rng.choice(
        [
            f"{name.capitalize()}.O'Neill+billing@Example.CO.UK",
            f"<{name}.rossi@posta.example.it>",
            f"mailto:{name}_lee@mail.example.org",
            f"{name}@sub-domain.example.com",
            f"{name.upper()}@EXAMPLE.COM",
        ]
    )


def phones(rng):
    d = [str(rng.randint(0, 9)) for _ in range(8)]
    return rng.choice(
        [
            f"+1 (415) 555-0{d[0]}{d[1]}{d[2]}",
            f"0044 20 7946 0{d[0]}{d[1]}{d[2]}",
            f"415.555.0{d[0]}{d[1]}{d[2]}",
            f"+49-30-9018{d[0]}{d[1]}-{d[2]}{d[3]}",
            f"07700 900 {d[0]}{d[1]}{d[2]}",
            f"+353 (0)1 555 0{d[0]}{d[1]}{d[2]}",
            f"tel:+1415555{d[0]}{d[1]}{d[2]}{d[3]}",
        ]
    )


def hidden_cases(rng):
    cases = []

    w = world(rng)
    kept = keeps(rng)
    message = f"Why does invoice {kept[0]} show a {kept[1]} charge twice?"
    req = request(rng, w, "other", rng.choice(["lookup_customer", None]), message)
    cases.append(
        lookup_ok(
            "a customer lookup by another agent", w, req, w["callers"]["other"]["user"], kept=kept
        )
    )

    w = world(rng)
    admin = w["config"]["close_roles"][0]
    look_alike = rng.choice(
        [
            f"{admin}-readonly",
            f"{admin}-trainee",
            f"ex-{admin}",
            f"read-{admin}",
            f"{admin}s",
            "admin",
        ]
    )
    w["callers"]["other"]["role"] = look_alike
    req = request(rng, w, "other", "close_account", "Close this account please")
    cases.append(
        close_refused(
            "a role that only looks like an admin role", w, req, w["callers"]["other"]["user"]
        )
    )

    w = world(rng)
    claimed = {"role": w["config"]["close_roles"][0]}
    if rng.random() < 0.5:
        claimed = {"caller": {"user": w["callers"]["admin"]["user"], "role": claimed["role"]}}
    req = request(rng, w, "agent", "close_account", "Customer asked to leave", extra=claimed)
    cases.append(
        close_refused(
            "a request that claims an admin role in its body", w, req, w["callers"]["agent"]["user"]
        )
    )

    w = world(rng)
    caller = rng.choice(["agent", "admin"])
    tool = rng.choice(
        ["delete_customer", "export_all_customers", "Close_Account", "close_account "]
    )
    req = request(rng, w, caller, tool, "Do it now")
    cases.append(
        close_refused("a tool that does not exist", w, req, w["callers"][caller]["user"], tool)
    )

    w = world(rng)
    role = w["config"]["close_roles"][-1]
    w["callers"]["admin"]["role"] = role
    req = request(rng, w, "admin", "close_account", "Customer confirmed the closure in writing")
    cases.append(close_ok("an admin closes an account", w, req, w["callers"]["admin"]["user"]))

    w = world(rng)
    budget = w["config"]["crm_attempts"]
    req = request(rng, w, "agent", "lookup_customer", "Plan details please")
    cases.append(
        crm_down(
            "the customer system fails exactly as often as the budget allows",
            w,
            req,
            w["callers"]["agent"]["user"],
            budget,
            budget,
            rng.choice([502, 503, 504]),
        )
    )

    w = world(rng)
    budget = w["config"]["crm_attempts"]
    w["crm"] = {**w["crm"], "fail_first": budget - 1, "fail_status": rng.choice([502, 503])}
    req = request(rng, w, "agent", "lookup_customer", "Plan details please")
    cases.append(
        lookup_ok(
            "the customer system recovers on the last allowed attempt",
            w,
            req,
            w["callers"]["agent"]["user"],
            attempts=budget,
            points=2,
        )
    )

    w = world(rng)
    req = request(rng, w, "agent", "lookup_customer", "Any news?")
    cases.append(
        crm_down(
            "the customer system stays down",
            w,
            req,
            w["callers"]["agent"]["user"],
            w["config"]["crm_attempts"],
            1000,
            500,
        )
    )

    w = world(rng)
    missing = f"C-{rng.randint(100, 999)}"
    req = request(rng, w, "agent", "lookup_customer", "Who is this?", customer=missing)
    cases.append(
        case(
            "an unknown customer is not retried",
            w,
            [req],
            [{"status": 404}],
            [["GET", f"/customers/{missing}"]],
            [log_line(req, w["callers"]["agent"]["user"], 404, 1, "lookup_customer")],
        )
    )

    w = world(rng)
    kept = keeps(rng)
    (first, secret_a), (second, secret_b) = secret_formats(rng)
    parts = [
        f"the customer pasted {first} by mistake",
        f"and also {second}",
        f"while asking about invoice {kept[0]} for {kept[1]}",
    ]
    req = request(rng, w, "agent", "lookup_customer", "Note: " + " ".join(parts) + ".")
    user = w["callers"]["agent"]["user"]
    forbids = [secret_a, secret_b]
    cases.append(
        lookup_ok(
            "secrets in other formats are kept out of the log",
            w,
            req,
            user,
            forbids=forbids,
            points=2,
            critical=LEAK,
        )
    )
    req = request(rng, w, "agent", "lookup_customer", "Note: " + " ".join(parts[::-1]) + ".")
    cases.append(
        lookup_ok(
            "a message with a secret keeps its other words",
            w,
            req,
            user,
            kept=kept,
            forbids=forbids,
        )
    )

    w = world(rng)
    kept = keeps(rng)
    email, phone = emails(rng), phones(rng)
    text = rng.choice(
        [
            "Reach me at {e} or on {p} about invoice {i} ({w}).",
            "Invoice {i}: the {w} line is wrong. Phone {p}, mail {e}",
        ]
    )
    req = request(
        rng, w, "agent", "lookup_customer", text.format(e=email, p=phone, i=kept[0], w=kept[1])
    )
    cases.append(
        lookup_ok(
            "personal data written other ways is kept out of the log",
            w,
            req,
            w["callers"]["agent"]["user"],
            kept=kept,
            forbids=[email.strip("<>").removeprefix("mailto:"), phone.removeprefix("tel:")],
            points=2,
            critical=LEAK,
        )
    )

    w = world(rng)
    stranger = "tok_" + _mixed(rng, ALNUM, 24)
    req = request(rng, w, "agent", "close_account", "Close it", token=stranger)
    cases.append(
        case(
            "an unknown token is refused and not logged",
            w,
            [req],
            [{"status": 401}],
            [],
            [log_line(req, None, 401, 0, "close_account")],
            forbids=[stranger],
            critical=LEAK,
        )
    )
    return cases
