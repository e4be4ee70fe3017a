"""Judges what the probe observed against what should have happened. Runs in the grader,
outside the sandbox; the expected values never enter it.

expected = {
  "responses": [{"status": 200, "tool": "lookup_customer", "result": {...}} | {"status": 403}],
  "crm": [["GET", "/customers/C-1"], ...]      # every call the CRM received, in order
  "log": [{"request_id": ..., "user": ..., "status": ..., "crm_attempts": ...,
           "keeps": [...]}],                   # one JSON line per request; keeps: words the
                                               # masked message must still contain
  "forbids": [...]                             # strings that must appear nowhere in the log
}
"""

import json


def _log_lines(text):
    lines = []
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            lines.append(value)
    return lines


def compare(expected, actual):
    if not isinstance(actual, dict) or not {"responses", "crm", "log"} <= set(actual):
        return 0.0, "The probe could not observe the service."
    problems = []
    log_text = actual["log"] if isinstance(actual["log"], str) else ""
    leaked = [i for i, secret in enumerate(expected.get("forbids", []), 1) if secret in log_text]
    if leaked:
        problems.append(
            f"The log holds secret or personal data: item(s) {leaked} of those the test sent "
            "(1: the CRM key; then the callers' tokens; then what the messages carried)."
        )
    for number, (want, got) in enumerate(
        zip(expected["responses"], actual["responses"], strict=False), 1
    ):
        body = got.get("body") if isinstance(got.get("body"), dict) else {}
        if got.get("status") != want["status"]:
            problems.append(
                f"Request {number}: status {got.get('status')}, expected {want['status']}."
            )
        elif "tool" in want and (body.get("tool"), body.get("result")) != (
            want["tool"],
            want["result"],
        ):
            problems.append(f"Request {number}: the answer does not carry the tool's result.")
    calls = [[c.get("method"), c.get("path")] for c in actual["crm"]]
    if calls != expected["crm"]:
        problems.append(
            f"The customer system received {len(calls)} call(s) {calls[:8]}, "
            f"expected {len(expected['crm'])} {expected['crm'][:8]}."
        )
    lines = _log_lines(log_text)
    for want in expected.get("log", []):
        mine = [line for line in lines if line.get("request_id") == want["request_id"]]
        if len(mine) != 1:
            problems.append(
                f"Request {want['request_id']}: {len(mine)} JSON log line(s), expected 1."
            )
            continue
        line = mine[0]
        for key in ("user", "status", "crm_attempts", "tool"):
            if key in want and line.get(key) != want[key]:
                problems.append(
                    f"Request {want['request_id']}: log {key} is {line.get(key)!r}, "
                    f"expected {want[key]!r}."
                )
        message = str(line.get("message", ""))
        lost = [word for word in want.get("keeps", []) if word not in message]
        if lost:
            problems.append(
                f"Request {want['request_id']}: the logged message lost {lost}, "
                "which operators need and which is neither secret nor personal."
            )
    if problems:
        return 0.0, "\n".join(problems)
    return 1.0, "The service behaved as required."
