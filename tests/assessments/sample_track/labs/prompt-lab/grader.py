"""Trivial grader for the sample lab: calls classify() and checks one label."""

from starter import classify

print("ok" if classify("great product") == "positive" else "wrong")
