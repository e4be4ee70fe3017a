import os
import tempfile

from skillcert_service import call, fake_service, serve_wsgi


def probe(make_app, text):
    folder = tempfile.mkdtemp()
    log_path = os.path.join(folder, "service.log")
    with fake_service(lambda request: (200, {"ok": True})) as dependency:
        app = make_app({"log_path": log_path, "dependency": dependency.url})
        with serve_wsgi(app) as base:
            status, body = call("POST", base + "/echo", {"text": text})
        calls = len(dependency.requests)
    with open(log_path, encoding="utf-8") as stream:
        log = stream.read()
    saw = body.pop("saw_expected", None) if isinstance(body, dict) else None
    return {
        "status": status,
        "body": body,
        "dependency_calls": calls,
        "log": log,
        "saw_expected": saw,
    }
