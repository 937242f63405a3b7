"""PDF signatures (PAdES B-B, pyHanko) with the Dinas' certificate: what makes a finalised document provably
the Dinas'.

The certificate is a PKCS#12 file (SPLP_SIGNING_PKCS12, SPLP_SIGNING_PASSWORD); in production the BSrE issues
it. The developer profile (DEBUG) without one generates a self-signed certificate for the Kepala Dinas once,
into SPLP_VAR_DIR. Production without one signs nothing: ``credentials`` is None and the documents say so.

A signature is verified with the configured certificate and the certificates of its PKCS#12 file (the
issuing CA, when the file carries it) as the only trust roots.
"""

import datetime
import io
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from splp.context_processors import current_pemda

DEMO_FILE = "signing-demo.p12"
FIELD_NAME = "Signature1"
DEMO_VALIDITY = datetime.timedelta(days=5 * 365)


class SigningError(Exception):
    """The configured certificate cannot be used; the message says why."""


@dataclass
class Credentials:
    pkcs12: bytes
    password: bytes | None
    certificate: x509.Certificate
    extra: list  # the other certificates of the file (the issuing CA, when present)

    @property
    def subject(self) -> str:
        return _asn1(self.certificate).subject.human_friendly

    def chain_pem(self) -> str:
        """The certificate and its CAs, kept with a signed document so it verifies after a renewal."""
        certificates = [self.certificate, *self.extra]
        return "".join(cert.public_bytes(serialization.Encoding.PEM).decode() for cert in certificates)


def self_signed_pkcs12(common_name: str, organisation: str, password: bytes | None = None) -> bytes:
    """A PKCS#12 file with a new key and a self-signed certificate for signing documents (non-repudiation)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64])])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + DEMO_VALIDITY)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    encryption = (serialization.BestAvailableEncryption(password) if password
                  else serialization.NoEncryption())
    return pkcs12.serialize_key_and_certificates(b"dinas", key, certificate, None, encryption)


def _demo_pkcs12(password):
    path = Path(settings.VAR_DIR) / DEMO_FILE
    if not path.exists():
        dinas = current_pemda().dinas_name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self_signed_pkcs12(f"Kepala {dinas}", dinas, password))
    return path.read_bytes()


def credentials() -> Credentials | None:
    """The Dinas' signing certificate; None in production without one configured."""
    password = settings.SPLP_SIGNING_PASSWORD.encode() or None
    if settings.SPLP_SIGNING_PKCS12:
        try:
            data = Path(settings.SPLP_SIGNING_PKCS12).read_bytes()
        except OSError as exc:
            raise SigningError(f"SPLP_SIGNING_PKCS12 cannot be read: {exc}") from exc
    elif settings.DEBUG:
        data = _demo_pkcs12(password)
    else:
        return None
    try:
        _key, certificate, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError as exc:
        raise SigningError(f"SPLP_SIGNING_PKCS12 cannot be opened (wrong SPLP_SIGNING_PASSWORD?): {exc}") from exc
    if certificate is None:
        raise SigningError("SPLP_SIGNING_PKCS12 holds no certificate.")
    return Credentials(data, password, certificate, list(extra))


def _asn1(certificate):
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def sign_pdf(pdf: bytes, *, reason: str, location: str, creds: Credentials) -> bytes:
    """``pdf`` with an invisible PAdES B-B signature of ``creds`` added (an incremental update)."""
    signer = signers.SimpleSigner.load_pkcs12_data(creds.pkcs12, other_certs=[], passphrase=creds.password)
    if signer is None:
        raise SigningError("SPLP_SIGNING_PKCS12 cannot be loaded for signing.")
    metadata = signers.PdfSignatureMetadata(field_name=FIELD_NAME, reason=reason, location=location,
                                            subfilter=SigSeedSubFilter.PADES)
    out = io.BytesIO()
    signers.PdfSigner(metadata, signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
    return out.getvalue()


@dataclass
class Verification:
    valid: bool
    signer: str  # the signing certificate's subject
    signing_time: datetime.datetime | None


def verify(pdf: bytes, *, chain_pem: str) -> Verification:
    """Whether ``pdf``'s last signature is intact, covers the whole file and chains to the certificates in
    ``chain_pem``: those the document was signed with (Credentials.chain_pem, kept with it), so a document
    signed before the Dinas' certificate was renewed still verifies, and one signed with another key does not."""
    try:
        signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
        if not signatures:
            return Verification(False, "", None)
        roots = [_asn1(cert) for cert in x509.load_pem_x509_certificates(chain_pem.encode())]
        status = validate_pdf_signature(signatures[-1], ValidationContext(trust_roots=roots))
    except Exception:  # a damaged file does not parse: it is not a valid signed document either
        return Verification(False, "", None)
    return Verification(
        valid=status.bottom_line and status.coverage.name == "ENTIRE_FILE",
        signer=status.signing_cert.subject.human_friendly,
        signing_time=status.signer_reported_dt,
    )
