"""Grading work that happens outside the request: labs now (sandboxed, by the worker)."""
