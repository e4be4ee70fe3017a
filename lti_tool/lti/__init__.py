"""LTI 1.3 protocol: OIDC login, launch validation, keys, registrations.

This package is the only code that imports pylti1p3.
"""
