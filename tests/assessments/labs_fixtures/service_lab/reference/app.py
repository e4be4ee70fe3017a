import json
import os
import urllib.request


def _seen(marker):
    """Whether marker is in any readable file of the sandbox (it must not be); the caller
    builds it at run time, so that this file does not hold it."""
    for root in ("/work", "/opt/skillcert", "/lab"):  # /tmp lies in /work
        for folder, _, names in os.walk(root):
            for name in names:
                try:
                    with open(os.path.join(folder, name), "rb") as stream:
                        if marker in stream.read():
                            return True
                except OSError:
                    pass
    return False


def make_app(config):
    def app(environ, start_response):
        body = json.loads(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        urllib.request.urlopen(config["dependency"] + "/ping", timeout=2).read()
        with open(config["log_path"], "a", encoding="utf-8") as log:
            log.write(body["text"] + "\n")
        answer = {
            "echo": body["text"],
            "saw_expected": _seen("-".join(["EXPECTED", "ONLY", "7d2e"]).encode()),
        }
        data = json.dumps(answer).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [data]

    return app
