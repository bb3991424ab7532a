"""Sign-in to the AWS access portal with the built-in directory (`signin.amazonaws.com`).

Passwords, TOTP authenticator apps, portal sessions and the rate limits that guard them. The web
pages in `orgstack.web` call these functions, and nothing here depends on HTTP.
"""
