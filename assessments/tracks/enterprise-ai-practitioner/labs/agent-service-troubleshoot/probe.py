"""The probe for this service lab. It runs in the sandbox: it starts a fake customer-records
API (CRM) and the learner's service on the sandbox's own loopback, sends the case's
requests and reports what happened. It receives inputs only; grader.py judges outside.

A case's input (one argument) is a scenario:
    {"config": {...}, "crm": {"customers": {...}, "fail_first": 0, "fail_status": 503},
     "requests": [{"token": "...", "request_id": "...", "body": {...}}, ...]}
"""

import gc
import os
import re
import tempfile
import threading

from skillcert_service import call, fake_service, serve_wsgi

CUSTOMER_PATH = re.compile(r"^/customers/([^/]+)(/close)?$")
LOG_CAP = 65536
# Longer than the lab's case_timeout: a service that never answers (endless retries) lets
# the case time out, and the runner starts a fresh sandbox for the next case, so threads it
# left running cannot disturb other cases.
ANSWER_SECONDS = 30.0
THREADS_BEFORE_COLLECTING = 16


def probe(make_app, scenario):
    crm = scenario["crm"]
    config = dict(scenario["config"])
    state = {"count": 0}

    def respond(request):
        method, path = request["method"], request["path"]
        state["count"] += 1
        if state["count"] <= crm.get("fail_first", 0):
            return crm.get("fail_status", 503), {"error": "upstream unavailable"}
        # The CRM also takes the key as ?api_key=, a legacy form the old client used.
        keys = [request["headers"].get("x-api-key"), *request["query"].get("api_key", [])]
        if config["crm_key"] not in keys:
            return 401, {"error": "missing or wrong API key"}
        match = CUSTOMER_PATH.match(path)
        if not match or match[1] not in crm["customers"]:
            return 404, {"error": "customer not found"}
        if match[2] and method == "POST":
            return 200, {"customer_id": match[1], "closed": True}
        if not match[2] and method == "GET":
            return 200, crm["customers"][match[1]]
        return 405, {"error": "method not allowed"}

    folder = tempfile.mkdtemp(prefix="service-")
    config["log_path"] = os.path.join(folder, "service.log")
    responses = []
    with fake_service(respond) as dependency:
        config["crm_url"] = dependency.url
        app = make_app(config)
        with serve_wsgi(app) as base:
            for request in scenario["requests"]:
                headers = {"X-Request-Id": request["request_id"]}
                if request.get("token"):
                    headers["Authorization"] = "Bearer " + request["token"]
                status, body = call(
                    "POST", base + "/assist", request["body"], headers, timeout=ANSWER_SECONDS
                )
                responses.append({"status": status, "body": body})
        received = [{"method": r["method"], "path": r["path"]} for r in dependency.requests]
    # The service's model client may keep connections to the model relay open, and each
    # open connection holds two relay threads, which count against the process limit:
    # collecting finished services closes them (a full collection takes a few hundred ms,
    # so only once threads pile up).
    del app
    if threading.active_count() > THREADS_BEFORE_COLLECTING:
        gc.collect()
    log = ""
    if os.path.isfile(config["log_path"]):
        with open(config["log_path"], encoding="utf-8", errors="replace") as stream:
            log = stream.read(LOG_CAP)
    return {"responses": responses, "crm": received, "log": log}
