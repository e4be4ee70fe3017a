"""What a program must have sent the model during one test case (``model_calls:``).

Why: a program can return the text a model would have produced without ever calling it.
For labs with ``openai: true``, the offline stub records every request
(``OpenAIStub.requests``); the grader takes the requests of one case alone and checks
them here, outside the sandbox, against the author's expectations:

- ``min_calls``: at least this many model calls (chat completions and embeddings);
- ``tools_offered``: at least one chat request offered every one of these tool names
  (not each request: after a tool result, a program may rightly ask without tools);
- ``first_roles``: the first chat request's messages begin with these roles, in order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

CHAT_PATH = "/v1/chat/completions"
MODEL_PATHS = frozenset({CHAT_PATH, "/v1/embeddings"})
ROLES = ("system", "developer", "user", "assistant", "tool")
KEYS = ("min_calls", "tools_offered", "first_roles")


@dataclasses.dataclass(frozen=True)
class ModelCalls:
    min_calls: int = 0
    tools_offered: tuple[str, ...] = ()
    first_roles: tuple[str, ...] = ()

    @classmethod
    def parse(cls, raw: Any) -> tuple[ModelCalls | None, list[str]]:
        """The expectations of a test entry's ``model_calls:``, or None and what is wrong."""
        if not isinstance(raw, dict) or not raw:
            return None, [f"'model_calls' must be a mapping with some of {', '.join(KEYS)}."]
        problems = [
            f"'model_calls' has an unknown key {key!r} (known: {', '.join(KEYS)})."
            for key in raw
            if key not in KEYS
        ]
        min_calls = raw.get("min_calls", 0)
        if isinstance(min_calls, bool) or not isinstance(min_calls, int) or min_calls < 0:
            problems.append("'model_calls: min_calls' must be a whole number, 0 or more.")
        tools = _names(raw.get("tools_offered", []))
        if tools is None:
            problems.append("'model_calls: tools_offered' must be a list of tool names.")
        roles = _names(raw.get("first_roles", []))
        if roles is None or any(role not in ROLES for role in roles):
            problems.append(f"'model_calls: first_roles' must be a list of {', '.join(ROLES)}.")
        if problems or tools is None or roles is None:
            return None, problems
        return cls(min_calls, tools, roles), []

    def failure(self, requests: Sequence[Mapping[str, Any]]) -> str | None:
        """Which expectation the recorded ``requests`` miss, in a sentence; None if all hold.

        ``requests`` come from the learner's program: any part may have any shape."""
        calls = [r for r in requests if r.get("path") in MODEL_PATHS]
        if len(calls) < self.min_calls:
            return (
                f"Model calls: at least {self.min_calls} call(s) to the model were expected "
                f"during this test; the program made {len(calls)}."
            )
        chats = [
            r["body"] for r in calls if r["path"] == CHAT_PATH and isinstance(r.get("body"), dict)
        ]
        if self.tools_offered and not any(
            set(self.tools_offered) <= _tools_in(chat) for chat in chats
        ):
            return (
                f"Model calls: no chat request offered the tool(s) {', '.join(self.tools_offered)}."
            )
        if self.first_roles:
            if not chats:
                return "Model calls: no chat request was made."
            roles = _roles_in(chats[0])[: len(self.first_roles)]
            if roles != self.first_roles:
                return (
                    "Model calls: the first chat request's messages should begin with the "
                    f"roles {', '.join(self.first_roles)}; they begin with "
                    f"{', '.join(roles) or 'nothing'}."
                )
        return None


def _names(raw: Any) -> tuple[str, ...] | None:
    if not isinstance(raw, list) or not all(isinstance(n, str) and n for n in raw):
        return None
    return tuple(raw)


def _tools_in(body: Mapping[str, Any]) -> set[str]:
    tools = body.get("tools")
    return {
        str(tool["function"].get("name"))
        for tool in (tools if isinstance(tools, list) else [])
        if isinstance(tool, dict) and isinstance(tool.get("function"), dict)
    }


def _roles_in(body: Mapping[str, Any]) -> tuple[str, ...]:
    messages = body.get("messages")
    return tuple(
        str(message.get("role"))
        for message in (messages if isinstance(messages, list) else [])
        if isinstance(message, dict)
    )
