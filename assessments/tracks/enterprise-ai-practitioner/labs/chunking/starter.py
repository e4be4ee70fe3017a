"""Lab: split a Markdown policy document into overlapping, section-labelled chunks."""


def chunk(text: str, max_words: int, overlap: int) -> list[dict]:
    """Return [{"section": str, "text": str}, ...] in document order; rules in the activity text."""
    raise NotImplementedError
