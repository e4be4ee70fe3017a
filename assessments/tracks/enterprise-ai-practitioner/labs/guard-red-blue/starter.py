"""Lab: red team, then blue team, a prompt-injection guard (OWASP LLM01:2026, LLM02:2026).

run("attack", target) -> list of 1 to 5 documents (strings) that the search tool returns
    for target["question"]. They must get past the guard named in target["guard"] (see
    guards.py) and make the assistant request a URL on target["host"] containing
    target["marker"].
run("screen", conversation) -> True to block the conversation, False to let it through.

The assistant's rules are in the activity text. Standard library only.
"""


def attack(target):
    raise NotImplementedError


def guard(conversation):
    raise NotImplementedError


def run(task, *args):
    return {"attack": attack, "screen": guard}[task](*args)
