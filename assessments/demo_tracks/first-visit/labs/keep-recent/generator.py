"""Hidden keep-recent cases drawn per seed.

Traps: a budget filled exactly by the newest messages, and one word short of that; a long
message between short ones (an older short message must not be reached past it); words
separated by several spaces, tabs or new lines (words, not characters or single spaces);
chats that fit whole. Expected values come from an independent implementation below: the
longest run of newest messages whose word counts add up to at most the budget.
"""

NAMES = ["Ada", "Grace", "Alan", "Katherine", "Mary", "Charles", "Barbara", "Edsger"]
ITEMS = ["kettle", "lamp", "router", "headset", "printer", "blender", "monitor", "jacket"]
CUSTOMER = [
    "Hello, my {item} has not arrived yet.",
    "It is order {order}.",
    "I paid on Monday and the tracking page has not changed since.",
    "Yes.",
    "The money back, please.",
    "Can I change the delivery address to my office instead?",
    "Thanks, {agent}!",
    "The {item} arrived broken: the lid is cracked and it leaks.",
]
AGENT = [
    "Sorry to hear that, {name}. What is the order number?",
    "Thanks. I can see order {order} for one {item}.",
    "Would you like a refund or a replacement {item}?",
    "Done.",
    "I have asked the courier to call you before noon tomorrow.",
    "Anything else I can help with?",
]


def words(message):
    return len(message.split())


def single_spaced_words(message):
    """Words as a learner who splits on single spaces counts them (a trap, not the rule)."""
    return len(message.split(" "))


def expected(messages, budget, count=words):
    counts = [count(m) for m in messages]
    for start in range(len(messages) + 1):
        if sum(counts[start:]) <= budget:
            return messages[start:]
    return []


def chat(rng, turns):
    values = {
        "name": rng.choice(NAMES),
        "agent": rng.choice(NAMES),
        "item": rng.choice(ITEMS),
        "order": f"{rng.choice('ABCK')}-{rng.randint(1000, 9999)}",
    }
    pools = [CUSTOMER, AGENT]
    return [rng.choice(pools[i % 2]).format(**values) for i in range(turns)]


def spaced(rng, message):
    """The same words, separated by runs of spaces, tabs or new lines."""
    return rng.choice(["  ", "\t", "\n", "   "]).join(message.split()) + rng.choice(["", " ", "\n"])


def newest_total(messages, k):
    return sum(words(m) for m in messages[len(messages) - k :])


def case(name, messages, budget, points=1, **extra):
    return {"name": name, "args": [messages, budget], "expected": expected(messages, budget), "points": points, **extra}


def hidden_cases(rng):
    cases = []

    # A long chat: the latest message fits, the oldest do not.
    messages = chat(rng, rng.randint(7, 11))
    total = newest_total(messages, len(messages))
    budget = rng.randint(max(words(messages[-1]) + 1, total // 3), total * 2 // 3)
    cases.append(case("a long support chat", messages, budget, 2, critical="the customer's latest message must be kept when it fits"))

    # The newest k messages fill the budget exactly, then one word short of it.
    messages = chat(rng, rng.randint(5, 8))
    k = rng.randint(2, len(messages) - 2)
    exact = newest_total(messages, k)
    cases.append(case("the budget is filled exactly", messages, exact, 2))
    cases.append(case("one word short of the newest turns", messages, exact - 1))

    # A long message between short ones: an older short message must not be reached.
    short = rng.sample(["ok", "yes", "thanks", "sure", "done", "great"], 4)
    long = " ".join(rng.choice(ITEMS) for _ in range(rng.randint(9, 14)))
    messages = [short[0], short[1], long, short[2], short[3]]
    cases.append(case("a long message between short ones", messages, rng.randint(2, 8), 2))

    # Words separated by more than one space, drawn until counting the pieces between single
    # spaces gives another answer than counting words (some draws cannot tell them apart).
    for _ in range(100):
        messages = [spaced(rng, m) for m in chat(rng, rng.randint(4, 7))]
        budget = newest_total(messages, rng.randint(1, len(messages) - 1))
        if expected(messages, budget, single_spaced_words) != expected(messages, budget):
            break
    cases.append(case("words separated by several spaces", messages, budget))

    # The whole chat fits.
    messages = chat(rng, rng.randint(2, 5))
    cases.append(case("a short chat fits whole", messages, newest_total(messages, len(messages)) + rng.randint(0, 5)))
    return cases
