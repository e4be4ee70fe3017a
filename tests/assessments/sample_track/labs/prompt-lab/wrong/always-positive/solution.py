def classify(text: str) -> str:
    return "positive"
