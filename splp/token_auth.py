"""The REST API's token authentication (django-rest-knox), apart from the views so DRF's settings can import
it early. Clients send ``Authorization: Token <token>``."""

from django.utils.translation import gettext_lazy as _
from knox import auth as knox_auth
from rest_framework import exceptions


class TokenAuthentication(knox_auth.TokenAuthentication):
    """Knox's, answering 401 (not 500) to a token that is not even UTF-8."""

    def authenticate_credentials(self, token):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return super().authenticate_credentials(token)
