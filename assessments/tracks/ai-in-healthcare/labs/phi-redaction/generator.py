"""Hidden tests drawn per seed: patients' names, identifier formats, dates and ages.

Judged by grader.py: the counts exactly, and what the note still reveals (identifiers that
must be gone, clinical content that must stay, how many tokens of each kind it holds).
"""

PATIENTS = [
    ("Maria", "Gonzalez"), ("José", "Núñez"), ("Siobhan", "O'Neil"), ("Anh", "Nguyen"),
    ("Jean-Luc", "Martin"), ("Priya", "Raman"), ("Kwame", "Mensah"), ("Ingrid", "Larsen"),
]
SIMILAR = [  # a short name and words that contain it
    ("Ann", "Lee", ["Annette", "Joanne", "Annabel"]),
    ("Eli", "Stone", ["Elias", "Delia", "Eliza"]),
    ("Ian", "Cho", ["Brian", "Ianthe", "Damian"]),
    ("Al", "Reyes", ["Alice", "Alan", "Salma"]),
]
DOMAINS = ["clinic.example.org", "mail.example.com", "hospital.example.net"]
MONTHS = {1: "January", 2: "February", 3: "March", 4: "April", 6: "June", 7: "July", 8: "August",
          9: "September", 10: "October", 11: "November", 12: "December"}  # no May: also a name
CLINICAL = [
    "BP 1{a}/8{c}", "Percocet 5/325 mg", "1/2 tablet at night", "3-4 times daily", "seen at 09:{b}",
    "room 4{a}", "HbA1c 7.{c}%", "ICD-10 I20.{c}", "ext. 4{a}{c}", "since 201{c}",
]
ALL_KINDS = ("name", "email", "ssn", "mrn", "phone", "date", "age")


def _counts(**kw):
    return {k: kw.get(k, 0) for k in ALL_KINDS}


def _case(name, note, names, counts, text=None, absent=(), present=(), tokens=None, points=1, critical=None):
    expected = {"counts": counts, "text": text, "absent": list(absent), "present": list(present)}
    if tokens is not None:
        expected["tokens"] = tokens
    case = {"name": name, "args": [note, names], "expected": expected, "comparator": "custom", "points": points}
    if critical:
        case["critical"] = critical
    return case


def _clinical(rng, k):
    picked = rng.sample(CLINICAL, k)
    return [p.format(a=rng.randint(10, 99), b=rng.randint(10, 59), c=rng.randint(1, 9)) for p in picked]


def _date(rng, year):
    month, day = rng.choice(sorted(MONTHS)), rng.randint(13, 28)  # day > 12: never read as a month
    name = MONTHS[month]
    forms = [
        (f"{year}-{month:02d}-{day:02d}", f"{month:02d}-{day:02d}"),
        (f"{month}/{day}/{year}", f"{month}/{day}/"),
        (f"{month:02d}-{day:02d}-{year}", f"{month:02d}-{day:02d}"),
        (f"{day}.{month:02d}.{year}", f"{day}.{month:02d}."),
        (f"{name} {day}, {year}", f"{name} {day}"),
        (f"{day} {name} {year}", f"{day} {name}"),
        (f"{name[:3]}. {day} {year}", f"{name[:3]}. {day}"),
        (f"{year}/{month:02d}/{day:02d}", f"/{month:02d}/{day:02d}"),
    ]
    return rng.choice(forms)


def _month_and_year(rng, year):
    """A month and a year is still more precise than a year: every attempt has one."""
    name = MONTHS[rng.choice(sorted(MONTHS))]
    return rng.choice([(f"{name} {year}", name), (f"{name[:3]}. {year}", f"{name[:3]}.")])


def _phone(rng):
    a, b, c = rng.randint(201, 989), rng.randint(200, 999), rng.randint(1000, 9999)
    form = rng.choice([
        f"{a}-{b}-{c}", f"({a}) {b}-{c}", f"{a}.{b}.{c}", f"{a} {b} {c}", f"+1 {a}-{b}-{c}", f"+1 ({a}) {b}-{c}",
    ])
    return form, f"{b}", f"{c}"


def _identifiers_case(rng):
    first, last = rng.choice(PATIENTS)
    full = f"{first} {last}"
    year, year2 = rng.randint(2019, 2026), rng.randint(1990, 2018)
    d1, d1_part = _date(rng, year)
    d2, d2_part = _date(rng, year2)
    phone, p_mid, p_end = _phone(rng)
    mrn_digits = f"{rng.randint(0, 9)}{rng.randint(100000, 999999)}"
    mrn = rng.choice([f"MRN: {mrn_digits}", f"MRN#{mrn_digits}", f"mrn {mrn_digits}", f"MRN no. {mrn_digits}"])
    s1, s2, s3 = rng.randint(100, 899), rng.randint(10, 99), rng.randint(1000, 9999)
    ssn = f"{s1}-{s2}-{s3}" if rng.random() < 0.6 else f"{s1} {s2} {s3}"
    local = f"{first}.{last}".lower().replace("é", "e").replace("ñ", "n").replace("ú", "u").replace("'", "")
    email = f"{local}@{rng.choice(DOMAINS)}"
    young = rng.randint(18, 89)
    shown_full = rng.choice([full, full.upper(), f"{first}\n{last}", f"{first}  {last}"])
    shown_first = rng.choice([first.upper(), first.lower(), first])
    c1, c2, c3 = _clinical(rng, 3)
    sentences = [
        f"Patient {shown_full} ({mrn}), {young}-year-old, seen {d1}.",
        f"{c1}; {c2}.",
        f"Call {phone} or {email}.",
        f"{shown_first}'s SSN {ssn} is on file; prior admission {d2}.",
        f"Plan: {c3}.",
    ]
    note = " ".join(sentences[:1] + rng.sample(sentences[1:], 4))
    return _case(
        "a note with identifiers in several formats", note, [full, first],
        _counts(name=2, email=1, ssn=1, mrn=1, phone=1, date=2),
        absent=[first, last, email, mrn_digits, str(s3), p_end, d1_part, d2_part],
        present=[c1, c2, c3, f"{young}-year-old", str(year), str(year2)],
        tokens={"[NAME]": 2, "[EMAIL]": 1, "[SSN]": 1, "[MRN]": 1, "[PHONE]": 1, "[AGE 90+]": 0},
        points=3, critical="a note that still identifies the patient is a privacy breach",
    )


def _ages_case(rng):
    old = rng.randint(91, 104)
    phrases = [
        ("89-year-old", False), (rng.choice(["90 y.o.", "90 y.o", "90yo."]), True),  # dotted: a form the brief did not show
        (rng.choice([f"aged {old}", f"{old} yo", f"{old} years old", f"{old}-year-old", f"{old}y/o"]), True),
        (f"aged {rng.randint(30, 88)}", False),
    ]
    rng.shuffle(phrases)
    roles = ["Patient", "Her mother", "Spouse", "Neighbour"]
    note = " ".join(f"{r} is {p}." for r, (p, _) in zip(roles, phrases))
    return _case(
        "ages above 89 are grouped, 89 and under stay", note, [],
        _counts(age=2), absent=["90 y", "90yo", str(old)],
        present=[p for p, over in phrases if not over],
        tokens={"[AGE 90+]": 2}, points=2,
        critical="an age over 89 can identify a patient and must not be released",
    )


def _names_case(rng):
    first, last, lookalikes = rng.choice(SIMILAR)
    a, b = rng.sample(lookalikes, 2)
    full = f"{first} {last}"
    note = (
        f"Seen with {rng.choice([full.upper(), full.lower(), full])} today; {a} and {b} are staff. "
        f"{rng.choice([first.upper(), first.lower()])} will call back."
    )
    text = f"Seen with [NAME] today; {a} and {b} are staff. [NAME] will call back."
    return _case(
        "names match whole words in any case", note, [first, full], _counts(name=2), text=text,
        points=2, critical="a missed mention of the patient's name is a privacy breach",
    )


def _email_case(rng):
    first, last = rng.choice(PATIENTS[:1] + PATIENTS[3:])  # ASCII names: the address is the name
    email = f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@{rng.choice(DOMAINS)}"
    note = f"Results sent to {email} for {first} {last}; {last} to confirm receipt."
    text = "Results sent to [EMAIL] for [NAME]; [NAME] to confirm receipt."
    return _case(
        "an address that contains the name is one e-mail", note, [f"{first} {last}", first, last],
        _counts(name=2, email=1), text=text, critical="a broken e-mail redaction leaks the address",
    )


def _clean_case(rng):
    parts = _clinical(rng, 5) + [f"{rng.randint(40, 89)}-year-old", "Dr. Smith reviewed"]
    rng.shuffle(parts)
    note = "Afebrile. " + "; ".join(parts) + ". Continue plan."
    names = ["John Doe", rng.choice(["", " "])]  # a record with a blank name
    rng.shuffle(names)
    return _case("clinical numbers are not identifiers", note, names, _counts(), text=note)


def _dates_case(rng):
    years = [rng.randint(1995, 2026) for _ in range(3)]
    dates = [_date(rng, years[0]), _date(rng, years[1]), _month_and_year(rng, years[2])]
    note = "Admitted {}, discharged {}, reviewed {}; last seen in {}.".format(*(d for d, _ in dates), years[0])
    return _case(
        "dates in several formats keep only their year", note, [],
        _counts(date=3), absent=[part for _, part in dates],
        present=[f"Admitted {years[0]}, discharged {years[1]}, reviewed {years[2]}; last seen in {years[0]}."],
    )


def hidden_cases(rng):
    cases = [_identifiers_case(rng), _ages_case(rng), _names_case(rng), _email_case(rng),
             _clean_case(rng), _dates_case(rng)]
    rng.shuffle(cases)
    return cases
