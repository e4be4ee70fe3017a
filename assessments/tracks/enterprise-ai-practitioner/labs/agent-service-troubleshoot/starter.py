"""Support assistant service, as deployed on 2026-11-30 (release 4.2.0).

The on-call runbook says: "the assistant answers agents' questions about a customer, and
support admins can close an account through it". Incident INC-2291 (see incident.log)
says it does more than that. Submit your fixed version as service.py.

make_app(config) returns a WSGI application. config holds: log_path, crm_url, crm_key,
tokens (bearer token -> {"user", "role"}), close_roles, crm_attempts and model.
"""

import json
import time
import urllib.request

from openai import OpenAI

TOOLS = ("lookup_customer", "close_account")


def make_app(config):
    client = OpenAI()

    def crm(method, path):
        # The CRM has been flaky since the migration: keep trying until it answers.
        attempts = 0
        url = f"{config['crm_url']}{path}?api_key={config['crm_key']}"
        while True:
            attempts += 1
            try:
                request = urllib.request.Request(url, method=method)
                with urllib.request.urlopen(request, timeout=2) as response:
                    return response.status, json.load(response), attempts, url
            except urllib.error.HTTPError as error:
                if error.code == 404:
                    return 404, None, attempts, url
            except OSError:
                pass
            time.sleep(0.1)

    def handle(environ, entry):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        entry["body"] = body
        tool = body.get("tool") or "lookup_customer"
        entry["tool"] = tool
        entry["message"] = body.get("message", "")
        token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        caller = config["tokens"].get(token)
        if caller is None:
            return 401, {"error": "unknown caller"}
        entry["user"] = caller["user"]
        # The console sends the caller's role so the assistant can adapt its tone.
        role = body.get("role") or caller["role"]
        entry["role"] = role
        messages = [
            {"role": "system", "content": f"You are a support assistant. The user is a {role}."},
            {"role": "user", "content": str(body.get("message", ""))},
        ]
        schemas = [
            {
                "type": "function",
                "function": {"name": t, "parameters": {"type": "object", "properties": {}}},
            }
            for t in TOOLS
        ]
        reply = client.chat.completions.create(
            model=config.get("model", "gpt-4o-mini"),
            messages=messages,
            tools=schemas,
            tool_choice={"type": "function", "function": {"name": tool}},
        )
        call = reply.choices[0].message.tool_calls[0]
        customer = body.get("customer_id", "")
        if call.function.name == "close_account":
            status, result, attempts, url = crm("POST", f"/customers/{customer}/close")
        else:
            status, result, attempts, url = crm("GET", f"/customers/{customer}")
        entry |= {"crm_attempts": attempts, "crm_url": url}
        if status == 404:
            return 404, {"error": "customer not found"}
        messages += [
            {"role": "assistant", "tool_calls": [call.model_dump()]},
            {"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)},
        ]
        final = client.chat.completions.create(
            model=config.get("model", "gpt-4o-mini"), messages=messages
        )
        return 200, {
            "answer": final.choices[0].message.content,
            "tool": call.function.name,
            "result": result,
        }

    def app(environ, start_response):
        entry = {
            "ts": time.time(),
            "request_id": environ.get("HTTP_X_REQUEST_ID"),
            "user": None,
            "crm_attempts": 0,
            "headers": {k: v for k, v in environ.items() if k.startswith("HTTP_")},
        }
        try:
            status, answer = handle(environ, entry)
        except Exception as error:  # keep the service up whatever happens
            status, answer = 500, {"error": repr(error)}
        entry["status"] = status
        with open(config["log_path"], "a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")
        data = json.dumps(answer).encode("utf-8")
        start_response(f"{status} X", [("Content-Type", "application/json")])
        return [data]

    return app
