"""The AWS access portal's web pages: sign-in, the account list, credentials and consent pages.

Server-rendered HTML that works without JavaScript. The pages are a client of the services: all
state lives behind `orgstack.services.signin` and the sso-oidc and portal functions.
"""
