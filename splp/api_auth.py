"""The REST API's login and logout: django-rest-knox tokens (only a hash stored, expiring, revocable) behind
django-axes' lockout."""

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.utils import extend_schema, inline_serializer
from knox import views as knox_views
from knox.models import get_token_model
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny

from .api_schema import error_response
from .login_security import cooloff_seconds, lockout_message
from .token_auth import TokenAuthentication


class TokenScheme(KnoxTokenScheme):
    target_class = TokenAuthentication


class InvalidCredentials(exceptions.APIException):
    status_code = 400
    default_code = "invalid_credentials"
    default_detail = _("Unable to log in with the username and password given.")


class TooManyLoginAttempts(exceptions.APIException):
    status_code = 429
    default_code = "too_many_attempts"

    def __init__(self):
        super().__init__(lockout_message())
        self.wait = cooloff_seconds()  # DRF's handler sends it as Retry-After


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True,
                                     style={"input_type": "password"})


class TokenLoginView(knox_views.LoginView):
    """Username and password (form or JSON) in, a new token and its expiry out."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        request=LoginSerializer,
        responses={
            200: inline_serializer("AuthToken", {
                "token": serializers.CharField(), "expiry": serializers.DateTimeField(),
            }),
            400: error_response(_("Wrong username or password (`invalid_credentials`).")),
            429: error_response(_("Too many failed logins (`too_many_attempts`); see Retry-After.")),
        },
        summary=_("Log in: get an API token"),
        description=_("Username and password in, a new token and its expiry out."),
    )
    def post(self, request, format=None):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request, **serializer.validated_data)
        if getattr(request, "axes_locked_out", False):  # set by django-axes, the right password included
            raise TooManyLoginAttempts()
        if user is None:
            raise InvalidCredentials()
        request.user = user
        with transaction.atomic():
            return super().post(request, format=format)


LOGOUT_RESPONSES = {204: None, 401: error_response(_("No valid token."))}


class TokenLogoutMixin:
    authentication_classes = (TokenAuthentication,)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Only a token can be ended: DRF's force_authenticate() (test clients) brings a user without one.
        if not isinstance(request.auth, get_token_model()):
            raise exceptions.NotAuthenticated()


class TokenLogoutView(TokenLogoutMixin, knox_views.LogoutView):
    """Ends the token this request carries, at once."""

    @extend_schema(request=None, responses=LOGOUT_RESPONSES, summary=_("Log out: end this token"),
                   description=_("Ends the token this request carries, at once."))
    @transaction.atomic
    def post(self, request, format=None):
        return super().post(request, format=format)


class TokenLogoutAllView(TokenLogoutMixin, knox_views.LogoutAllView):
    """Ends every token of the user (a lost laptop, a leaked script)."""

    @extend_schema(request=None, responses=LOGOUT_RESPONSES, summary=_("Log out everywhere: end all my tokens"),
                   description=_("Ends every token of the user (a lost laptop, a leaked script)."))
    @transaction.atomic
    def post(self, request, format=None):
        return super().post(request, format=format)
