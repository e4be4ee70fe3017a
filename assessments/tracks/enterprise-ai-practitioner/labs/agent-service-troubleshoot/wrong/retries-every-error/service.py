"""Wrong: retries every failed CRM call, a 404 included, within the budget.
"""

import json
import re
import time
import urllib.error
import urllib.request
from http import HTTPStatus

from openai import OpenAI

TOOLS = ("lookup_customer", "close_account")
DESTRUCTIVE = {"close_account"}
# What each tool does to the customer system: method and path after /customers/<id>.
ROUTES = {"lookup_customer": ("GET", ""), "close_account": ("POST", "/close")}
CRM_TIMEOUT = 2.0
BACKOFF = 0.02  # seconds times the attempt number: short, because a person is waiting

EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
JWT = re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]*")
BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[^\s\"',;]+")
ASSIGNED = re.compile(
    r"(?i)([\"']?[\w-]*(?:key|token|secret|password|passwd|pwd|auth|signature|sig)[\"']?"
    r"\s*[:=]\s*[\"']?)[^\s\"'&,;}]+"
)
TOKEN_LIKE = re.compile(r"(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]{20,}")
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().\-/]{5,}\d(?!\w)")


def mask(text):
    """The message as operators may read it: secrets and personal data replaced."""
    text = EMAIL.sub("[EMAIL]", text)
    text = JWT.sub("[SECRET]", text)
    text = BEARER.sub(r"\1 [SECRET]", text)
    text = ASSIGNED.sub(r"\1[SECRET]", text)
    text = TOKEN_LIKE.sub("[SECRET]", text)
    return PHONE.sub("[PHONE]", text)


def make_app(config):
    client = OpenAI()
    tokens = config["tokens"]
    close_roles = set(config["close_roles"])
    attempts_allowed = config["crm_attempts"]

    def allowed(caller, tool):
        if tool not in TOOLS:
            return False
        return tool not in DESTRUCTIVE or caller["role"] in close_roles

    def crm(method, path):
        """Call the CRM within the retry budget; returns (status or None, body, attempts)."""
        for attempt in range(1, attempts_allowed + 1):
            request = urllib.request.Request(
                config["crm_url"] + path, method=method, headers={"X-Api-Key": config["crm_key"]}
            )
            try:
                with urllib.request.urlopen(request, timeout=CRM_TIMEOUT) as response:
                    return response.status, json.load(response), attempt
            except urllib.error.HTTPError as error:
                if attempt == attempts_allowed:
                    return error.code, None, attempt
            except OSError:
                pass  # no answer at all: worth another try
            time.sleep(BACKOFF * attempt)
        return None, None, attempts_allowed

    def handle(environ):
        header = environ.get("HTTP_AUTHORIZATION", "")
        caller = tokens.get(header[7:]) if header.startswith("Bearer ") else None
        entry = {"request_id": environ.get("HTTP_X_REQUEST_ID"), "user": None}
        entry |= {"crm_attempts": 0}
        body = json.loads(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        tool = body.get("tool") or "lookup_customer"
        entry |= {"tool": tool, "message": mask(str(body.get("message", "")))}
        if caller is None:
            return 401, {"error": "unknown caller"}, entry
        entry["user"] = caller["user"]
        if not allowed(caller, tool):
            return 403, {"error": f"{tool} is not allowed for this caller"}, entry
        offered = [t for t in TOOLS if allowed(caller, t)]
        schemas = [
            {"type": "function", "function": {"name": t, "parameters": {"type": "object"}}}
            for t in offered
        ]
        messages = [
            {"role": "system", "content": "You are a support assistant. Use the tools given."},
            {"role": "user", "content": str(body.get("message", ""))},
        ]
        reply = client.chat.completions.create(
            model=config.get("model", "gpt-4o-mini"),
            messages=messages,
            tools=schemas,
            tool_choice={"type": "function", "function": {"name": tool}},
        )
        [choice] = reply.choices
        [call] = choice.message.tool_calls
        # The tool acts on the customer of the request, never on one the model names.
        method, suffix = ROUTES[call.function.name]
        status, result, attempts = crm(method, f"/customers/{body.get('customer_id')}{suffix}")
        entry["crm_attempts"] = attempts
        if status == 404:
            return 404, {"error": "customer not found"}, entry
        if status != 200:
            return 503, {"error": "the customer system is unavailable, try again later"}, entry
        messages += [
            {"role": "assistant", "tool_calls": [call.model_dump()]},
            {"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)},
        ]
        final = client.chat.completions.create(
            model=config.get("model", "gpt-4o-mini"), messages=messages
        )
        [choice] = final.choices
        answer = {"answer": choice.message.content, "tool": call.function.name, "result": result}
        return 200, answer, entry

    def app(environ, start_response):
        status, answer, entry = handle(environ)
        entry["status"] = status
        # One line per request, written before the answer goes out.
        with open(config["log_path"], "a", encoding="utf-8") as log:
            log.write(json.dumps({"ts": time.time(), **entry}) + "\n")
        data = json.dumps(answer).encode("utf-8")
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [data]

    return app
