def classify(text: str) -> str:
    words = text.replace(",", " ").split()
    return "positive" if "great" in words or "works" in words else "negative"
