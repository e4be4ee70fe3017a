"""Operators' view of a running SkillCert: structured log events and Prometheus metrics.

The bottom layer beside settings and errors: everything may call it, it imports nothing of
the tool but those two (``.importlinter``).
"""
