"""Lab: retrieve handbook passages with embeddings, abstain when nothing fits, check citations.

The handbook is at /lab/data/handbook.json. Use model "text-embedding-3-small" with
dimensions=256. Embed each passage as its title, a space, then its text.
"""

import json
import re

from openai import OpenAI

client = OpenAI()
HANDBOOK = "/lab/data/handbook.json"


def run(task: str, *args):
    """task "retrieve": (question, k, min_score) -> list of passage ids, best first.
    task "check": (answer, retrieved_ids) -> {"uncited": [...], "unknown": [...]}."""
    raise NotImplementedError
