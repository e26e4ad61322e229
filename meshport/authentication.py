"""API token authentication that accepts both ``Token <key>`` and ``Bearer <key>``.

OpenLineage clients send their api key as a Bearer token; everything else in the DRF world
sends ``Token``. Both name the same ``authtoken`` key.
"""
from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    keywords = ("Token", "Bearer")

    def authenticate(self, request):
        auth = authentication.get_authorization_header(request).split()
        if not auth or auth[0].decode(errors="replace").lower() not in {k.lower() for k in self.keywords}:
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: expected '<keyword> <key>'.")
        try:
            key = auth[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token header: the key is not text.") from exc
        return self.authenticate_credentials(key)
