"""A development LMS mounted at /demo-lms by `skillcert serve --demo` (never otherwise).

It speaks the real protocol to the tool: it registers itself like any platform, starts
OIDC logins, signs id_tokens with its own RSA key and posts them from the browser.
"""
