"""Lab: the metrics of an offline evaluation set: answer quality, classification, latency."""

import math
import re
import string
from collections import Counter


def run(task: str, *args) -> dict:
    """task "qa": (predictions, references) -> {"exact_match", "token_f1"}
    task "classify": (labels, predictions, positive) -> {"accuracy", "precision", "recall", "f1"}
    task "latency": (milliseconds,) -> {"p50", "p95"}"""
    raise NotImplementedError
