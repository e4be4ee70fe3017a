"""Reference: 50 or more passes."""


def grade(score):
    label = "fail"
    if score >= 50:
        label = "pass"
    return label.lower()
