"""Wrong: 50 itself fails."""


def grade(score):
    return "pass" if score > 50 else "fail"
