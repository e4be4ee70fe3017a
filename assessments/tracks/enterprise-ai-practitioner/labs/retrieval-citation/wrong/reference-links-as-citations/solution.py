"""Wrong solution (reference-links-as-citations): skips inline links and images but takes
the [id] in a reference-style link ([text][id]) or image (![id][fig]) for a citation.
"""

import json
import math
import re

from openai import OpenAI

client = OpenAI()
HANDBOOK = "/lab/data/handbook.json"
MODEL, DIMENSIONS = "text-embedding-3-small", 256
CITATION = re.compile(r"\[([a-z0-9-]+)\](?!\()")  # [id], but not a Markdown link or image
# A word that ends a sentence: "days." or, with citations straight after it, "days.[id]".
SENTENCE_END = re.compile(r"[.!?](?:\[[^\[\]\s]*\])*$")


def embed(texts):
    data = client.embeddings.create(model=MODEL, input=texts, dimensions=DIMENSIONS).data
    return [item.embedding for item in sorted(data, key=lambda item: item.index)]


def cosine(a, b):
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return sum(x * y for x, y in zip(a, b)) / norm if norm else 0.0


def retrieve(question, k, min_score):
    with open(HANDBOOK, encoding="utf-8") as file:
        passages = json.load(file)
    vectors = embed([question] + [f"{p['title']} {p['text']}" for p in passages])
    scored = [(cosine(vectors[0], v), p["id"]) for p, v in zip(passages, vectors[1:])]
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return [pid for score, pid in scored[:k] if score >= min_score]


def split_sentences(answer):
    sentences, words = [], []
    for word in answer.split():
        words.append(word)
        if SENTENCE_END.search(word):
            sentences.append(" ".join(words))
            words = []
    if words:  # the last sentence may lack its full stop
        sentences.append(" ".join(words))
    return sentences


def check(answer, retrieved_ids):
    allowed = set(retrieved_ids)
    sentences = split_sentences(answer)
    uncited, unknown = [], set()
    for index, sentence in enumerate(sentences):
        cited = set(CITATION.findall(sentence))
        unknown |= cited - allowed
        if not cited & allowed:
            uncited.append(index)
    return {"uncited": uncited, "unknown": sorted(unknown)}


def run(task, *args):
    if task == "retrieve":
        return retrieve(*args)
    if task == "check":
        return check(*args)
    return None  # an unknown task runs nothing
