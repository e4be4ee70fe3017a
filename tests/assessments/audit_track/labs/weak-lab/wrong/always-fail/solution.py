"""Wrong: nobody passes."""


def grade(score):
    return "fail"
