"""Reference solution: cosine top-k with a score floor, and a citation checker."""

import json
import math
import re

from openai import OpenAI

client = OpenAI()
HANDBOOK = "/lab/data/handbook.json"
MODEL, DIMENSIONS = "text-embedding-3-small", 256
PASSAGE_ID = re.compile(r"[a-z0-9-]+")
# Adjacent bracket groups, with a "!" starting the word (an image: "days![id]" ends a
# sentence and cites) or a "(" after (an inline link).
BRACKETS = re.compile(r"(?:(?<!\S)(!))?((?:\[[^\[\]]*\])+)(\(?)")
# A word that ends a sentence: "days." or, with citations straight after it, "days.[id]";
# a word that starts with "!" is an image, not the end of a sentence.
SENTENCE_END = re.compile(r".[.!?](?:\[[^\[\]\s]*\])*$")


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


def citations(sentence):
    """The [id]s of a sentence, leaving out Markdown: an image's alt text and reference
    (![alt][ref], ![alt](src)), an inline link's text ([text](url)) and a reference-style
    link's label ([text][label]). Adjacent ids ([a][b]) are two citations."""
    cited = set()
    for image, run, inline_link in BRACKETS.findall(sentence):
        if image:
            continue
        groups = re.findall(r"\[([^\[\]]*)\]", run)
        if inline_link:
            groups.pop()
        after_link_text = False
        for group in groups:
            is_id = PASSAGE_ID.fullmatch(group) is not None
            if is_id and not after_link_text:
                cited.add(group)
            after_link_text = not is_id
    return cited


def check(answer, retrieved_ids):
    allowed = set(retrieved_ids)
    sentences = split_sentences(answer)
    uncited, unknown = [], set()
    for index, sentence in enumerate(sentences):
        cited = citations(sentence)
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
