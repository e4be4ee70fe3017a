# A boundary flip: ties go to "positive" (> where >= was meant).
NEGATIVE = {"broken", "terrible", "awful"}
POSITIVE = {"great", "good", "well", "works"}


def classify(text: str) -> str:
    words = text.lower().replace(",", " ").split()
    negative = sum(word in NEGATIVE for word in words)
    positive = sum(word in POSITIVE for word in words)
    return "negative" if negative > positive else "positive"
