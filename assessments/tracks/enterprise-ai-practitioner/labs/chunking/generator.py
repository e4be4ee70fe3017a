"""Hidden chunking cases drawn per seed: Markdown documents built from a known structure.

The expected chunks are computed from the structure the document was rendered from (the
sections and their paragraphs' words), never by parsing the rendered text, so a parser bug
shared with the reference solution cannot hide. Traps: heading styles (closing '#'s,
indentation, setext underlines, levels 1-6), lines that only look like headings ('#tag',
seven '#'s, '#5'), '#' inside titles ('C#'), CRLF line endings, tabs and runs of spaces,
whitespace-only blank lines, paragraph lengths at the window boundaries, empty sections,
fenced code blocks whose lines look like headings.
"""

WORDS = (
    "staff must submit receipts within thirty days travel booked through portal approval "
    "needed before booking meals reimbursed daily limit city hotels economy class flights "
    "under six hours director writing alcohol never contractors laptops encrypted access "
    "reviewed quarterly passwords rotated vendors assessed annually records kept seven years "
    "customer data deleted request logged audit trail incidents reported within one hour"
).split()
TITLES = [
    "Travel policy", "Expenses", "Data retention", "Access control", "Guide to C#",
    "C# coding standard", "Incident response", "Remote work (2025)", "Keys & secrets",
    "Vendors: risk review", "Hiring", "Security",
]
TRAPS = ["#compliance", "#######", "#5", "#1-priority", "##no-space"]


def words(rng, n):
    return [rng.choice(WORDS) for _ in range(n)]


def windows(words_, size, overlap):
    out, start = [], 0
    while True:
        out.append(" ".join(words_[start : start + size]))
        if start + size >= len(words_):
            return out
        start += size - overlap


def expected(structure, size, overlap):
    return [
        {"section": title, "text": text}
        for title, paras in structure
        for para in paras
        for text in windows(para, size, overlap)
    ]


def gap(rng):
    return rng.choice([" ", " ", "  ", "\t", " \t "])


def render_paragraph(rng, para):
    """Lines of a paragraph: words split over 1-3 lines, odd spacing, a little indentation."""
    cuts = sorted(rng.sample(range(1, len(para)), min(len(para) - 1, rng.randint(0, 2))))
    lines, last = [], 0
    for cut in [*cuts, len(para)]:
        piece = para[last:cut]
        lines.append(" " * rng.randint(0, 3) + "".join(w + gap(rng) for w in piece[:-1]) + piece[-1] + rng.choice(["", " ", "\t"]))
        last = cut
    return lines


def render_heading(rng, title, style):
    level = rng.randint(1, 6)
    if style == "atx":
        return [" " * rng.randint(0, 3) + "#" * level + gap(rng) + title + rng.choice(["", " "])]
    if style == "closed":
        return ["#" * level + " " + title + " " + "#" * rng.randint(1, 7) + rng.choice(["", "  "])]
    return [title, rng.choice("=-") * rng.randint(1, 12)]


def render(rng, structure, styles, blank_after_heading=True):
    lines = []
    for index, (title, paras) in enumerate(structure):
        if title:
            lines += render_heading(rng, title, styles[index % len(styles)])
            if blank_after_heading or rng.random() < 0.5:
                lines.append(rng.choice(["", "", "   ", "\t"]))
        for para in paras:
            lines += render_paragraph(rng, para)
            lines += [rng.choice(["", " ", "\t"])] * rng.randint(1, 3)
    return rng.choice(["\n", "\r\n"]).join(lines)


def lengths_at_boundaries(rng, size, overlap):
    step = size - overlap
    k = rng.randint(1, 3)
    return [size, size + 1, size + k * step, size + k * step + 1, max(1, size - 1), 1]


def hidden_cases(rng):
    cases = []
    titles = rng.sample(TITLES, len(TITLES))

    # 1. Heading styles: ATX, closed ATX, setext; the first paragraph sits before any heading.
    size = rng.randint(3, 7)
    overlap = rng.randint(1, size - 1)
    structure = [("", [words(rng, rng.randint(1, size + 2))])]
    for title in titles[:4]:
        structure.append((title, [words(rng, rng.randint(1, 3 * size)) for _ in range(rng.randint(1, 2))]))
    styles = ["atx", "closed", "setext"]
    rng.shuffle(styles)
    cases.append({"name": "heading styles set the section", "args": [render(rng, structure, styles, False), size, overlap],
                  "expected": expected(structure, size, overlap), "points": 2})

    # 2. Lines that only look like headings are paragraph text.
    size = rng.randint(4, 8)
    overlap = rng.randint(0, size - 1)
    structure = []
    for title in titles[4:6]:
        paras = []
        for _ in range(2):
            para = words(rng, rng.randint(2, 2 * size))
            para[0] = rng.choice(TRAPS)
            paras.append(para)
        structure.append((title, paras))
    cases.append({"name": "hash-led text is not a heading", "args": [render(rng, structure, ["atx", "closed"]), size, overlap],
                  "expected": expected(structure, size, overlap), "points": 2})

    # 3. Paragraph lengths at the window boundaries.
    size = rng.randint(3, 9)
    overlap = rng.randint(0, size - 1)
    paras = [words(rng, n) for n in lengths_at_boundaries(rng, size, overlap)]
    rng.shuffle(paras)
    structure = [(titles[6], paras[:3]), (titles[7], paras[3:])]
    cases.append({"name": "windows end exactly at the paragraph end", "args": [render(rng, structure, ["atx"]), size, overlap],
                  "expected": expected(structure, size, overlap), "points": 2})

    # 4. The largest overlap (one new word per window) and no overlap at all.
    size = rng.randint(2, 6)
    structure = [(titles[8], [words(rng, size + rng.randint(1, 4))])]
    text = render(rng, structure, ["closed"])
    cases.append({"name": "overlap of all but one word", "args": [text, size, size - 1], "expected": expected(structure, size, size - 1)})
    cases.append({"name": "overlap of zero words", "args": [text, size, 0], "expected": expected(structure, size, 0)})

    # 5. Sections without text give no chunks; a trailing heading and blank lines give nothing.
    size = rng.randint(3, 6)
    overlap = rng.randint(0, size - 1)
    structure = [(titles[9], []), (titles[10], [words(rng, rng.randint(1, 2 * size))]), (titles[11], [])]
    cases.append({"name": "empty sections give no chunks", "args": [render(rng, structure, ["atx", "setext", "closed"]) + "\n\n", size, overlap],
                  "expected": expected(structure, size, overlap),
                  "critical": "a chunk with no text or under the wrong section misleads retrieval"})

    # 7. A fenced code block is one block of text: "# comment" and "---" lines inside it are
    # code, not headings; a blank line, a shorter fence, the other fence character or a fence
    # followed by text does not end it. A fence may follow paragraph text directly; an empty
    # block gives no chunk; a line starting with inline code in backticks opens no block.
    size = rng.randint(3, 6)
    overlap = rng.randint(0, size - 1)
    before, after = words(rng, rng.randint(2, 2 * size)), words(rng, rng.randint(1, size))
    inline = [f"```{rng.choice(WORDS)}```", *words(rng, rng.randint(1, size))]
    fence = rng.choice(["````", "~~~~", "```", "~~~"])
    not_closing = rng.choice([
        fence[0] * 3 if len(fence) == 4 else fence + " " + rng.choice(WORDS),
        ("~" if fence[0] == "`" else "`") * len(fence),
    ])
    code = [["#", *words(rng, 2)], words(rng, rng.randint(1, 3)), ["##", *words(rng, 1)],
            [not_closing], words(rng, 2), ["---"]]
    code_lines = [" ".join(line) for line in code]
    code_lines.insert(rng.randint(1, len(code_lines) - 1), "")
    lines = render_heading(rng, titles[0], "atx") + [""] + render_paragraph(rng, before)
    indent = " " * rng.randint(0, 3)
    lines += [indent + fence + rng.choice(["", "bash", " yaml"]), *code_lines, fence + fence[0] * rng.randint(0, 1), ""]
    empty = rng.choice(["```", "~~~"])
    lines += [empty, rng.choice(["", " "]), empty, ""]
    lines += render_heading(rng, titles[1], "closed") + [" ".join(inline), ""] + render_paragraph(rng, after)
    code_words = [word for line in code_lines for word in line.split()]
    structure = [(titles[0], [before, code_words]), (titles[1], [inline, after])]
    cases.append({"name": "lines inside a code block are not headings", "args": ["\n".join(lines), size, overlap],
                  "expected": expected(structure, size, overlap), "points": 2})

    # 6. A one-word window.
    structure = [(titles[rng.randint(0, 3)], [words(rng, rng.randint(2, 5))])]
    cases.append({"name": "one-word windows", "args": [render(rng, structure, ["atx"]), 1, 0], "expected": expected(structure, 1, 0)})
    return cases
