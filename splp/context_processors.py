from django.conf import settings

from .models import Pemda


def current_pemda():
    """The active Pemda record, or the identity given in settings."""
    pemda = Pemda.objects.filter(is_active=True).order_by("-id").first()
    if pemda:
        return pemda
    return Pemda(
        name=settings.SPLP_PEMDA_NAME,
        dinas_name=settings.SPLP_DINAS_NAME,
        domain=settings.SPLP_DOMAIN,
        logo_text=settings.SPLP_LOGO_TEXT,
    )


def site_url(pemda=None):
    """Base of the links in e-mails: SITE_URL, else https:// and the domain of the Pemda identity."""
    return settings.SITE_URL or f"https://{(pemda or current_pemda()).domain}"


def pemda(request):
    return {"pemda": current_pemda()}
