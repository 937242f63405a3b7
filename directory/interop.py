"""Parsing an OpenAPI document and the Pasal 6(5) interoperability check run on every submitted spec.

The rules (code, label, check) are defined here, in ``RULES``. Which of them apply, blocking or as a warning,
and which media types are allowed is the Dinas' interoperability standard, data: the ``InteropStandard`` row,
edited through ``directory.services.interop_standard_update`` (docs/regulation.md, Pasal 6(5)). The defaults
are the checklist as it was fixed in code before: every rule blocking but the two added since, which are off,
and JSON media types only."""

import fnmatch
import ipaddress
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _, gettext_lazy
from openapi_spec_validator import OpenAPIV2SpecValidator, OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

from splp.parsing import DocumentError, load_json, load_yaml

from .choices import InteropSeverityChoices, SpecFormatChoices

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
VERSION_IN_PATH = re.compile(r"/v\d+(\.\d+)*(/|$)", re.IGNORECASE)


def parse_spec(text):
    """Turn pasted or uploaded text into a dict, refusing oversized, malformed or remote-referencing documents."""
    if isinstance(text, bytes):
        if len(text) > settings.SPLP_MAX_SPEC_BYTES:
            raise ValidationError(_spec_too_large())
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(_("The OpenAPI document must be UTF-8 text.")) from None
    if len(text.encode("utf-8")) > settings.SPLP_MAX_SPEC_BYTES:
        raise ValidationError(_spec_too_large())
    try:
        try:
            doc = load_json(text)
        except ValueError:
            doc = load_yaml(text, max_bytes=settings.SPLP_MAX_SPEC_BYTES)
    except DocumentError as exc:
        raise ValidationError(exc.message) from None
    if not isinstance(doc, dict):
        raise ValidationError(_("The OpenAPI document must be a JSON/YAML object."))
    # JSON round trip: YAML may produce dates and other types a JSONField cannot store (nor can PostgreSQL
    # store NaN or infinity).
    try:
        doc = json.loads(json.dumps(doc, default=str, allow_nan=False))
    except (TypeError, ValueError):
        raise ValidationError(_("The OpenAPI document contains values that cannot be stored as JSON.")) from None
    remote = find_remote_refs(doc)
    if remote:
        # The validator would fetch these (SSRF); refuse before validating.
        raise ValidationError(
            _("$ref references must be local (starting with '#/'); refused: %(refs)s") % {"refs": ", ".join(remote[:5])}
        )
    detect_format(doc)
    if _contains_nul(doc):
        # PostgreSQL cannot store a NUL in JSON (it answered 500).
        raise ValidationError(_("The OpenAPI document contains a NUL character, which cannot be stored."))
    return doc


def _contains_nul(node):
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and "\x00" in item:
            return True
    return False


def _spec_too_large():
    return _("The OpenAPI document is too large (maximum %(kb)d KB).") % {"kb": settings.SPLP_MAX_SPEC_BYTES // 1024}


def find_remote_refs(node):
    refs = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if ref is not None and (not isinstance(ref, str) or not ref.startswith("#/")):
                refs.append(str(ref))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return refs


def detect_format(doc):
    if str(doc.get("swagger", "")).startswith("2."):
        return SpecFormatChoices.SWAGGER2
    if str(doc.get("openapi", "")).startswith("3."):
        return SpecFormatChoices.OPENAPI3
    raise ValidationError(
        _("The document must be OpenAPI 3 (field 'openapi: 3.x') or Swagger 2 (field 'swagger: 2.0').")
    )


def _validator_class(doc):
    if detect_format(doc) == SpecFormatChoices.SWAGGER2:
        return OpenAPIV2SpecValidator
    return OpenAPIV31SpecValidator if str(doc["openapi"]).startswith("3.1") else OpenAPIV30SpecValidator


def iter_operations(doc):
    paths = doc.get("paths") or {}
    if not isinstance(paths, dict):
        return
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        shared_params = item.get("parameters") or []
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                yield method.upper(), path, op, shared_params


def extract_operations(doc):
    """Rows for ApiOperation: method, path, operationId, summary and parameters."""
    rows = []
    for method, path, op, shared_params in iter_operations(doc):
        params = []
        for param in list(shared_params) + list(op.get("parameters") or []):
            if isinstance(param, dict):
                params.append(
                    {
                        "name": str(param.get("name", param.get("$ref", ""))),
                        "in": str(param.get("in", "")),
                        "required": bool(param.get("required", False)),
                    }
                )
        rows.append(
            {
                "method": method,
                "path": path[:500],
                "operation_id": str(op.get("operationId", ""))[:200],
                "summary": str(op.get("summary", ""))[:500],
                "parameters": params,
            }
        )
    return rows


def _response_has_schema(doc, response):
    if not isinstance(response, dict):
        return False
    if "$ref" in response:
        return True
    if doc.get("swagger"):
        return "schema" in response
    return any(isinstance(media, dict) and "schema" in media for media in (response.get("content") or {}).values())


def _has_response_schema(doc, op, is_wanted):
    """True when a response whose status code ``is_wanted`` declares a schema."""
    responses = op.get("responses") or {}
    return isinstance(responses, dict) and any(
        is_wanted(str(code)) and _response_has_schema(doc, r) for code, r in responses.items()
    )


def _media_types(doc, op):
    if doc.get("swagger"):
        return list(op.get("produces") or doc.get("produces") or []) + list(
            op.get("consumes") or doc.get("consumes") or []
        )
    types = []
    body = op.get("requestBody") or {}
    types += list((body.get("content") or {}).keys()) if isinstance(body, dict) else []
    for response in (op.get("responses") or {}).values():
        if isinstance(response, dict):
            types += list((response.get("content") or {}).keys())
    return types


def host_matches(host, entries):
    """True when the host equals or matches (``*`` wildcards) a name, or lies in a CIDR, of ``entries``."""
    host = (host or "").lower().strip("[]")
    for entry in entries:
        entry = entry.strip().lower()
        if not entry:
            continue
        if fnmatch.fnmatch(host, entry):
            return True
        try:
            if ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def is_internal_host(host):
    """On the Dinas' internal allow-list: plain http and private addresses are accepted for it."""
    return host_matches(host, settings.SPLP_INTERNAL_HOSTS)


def host_allowed(host):
    """The host is internal or on the Dinas' upstream allow-list (names with wildcards, or CIDRs)."""
    return is_internal_host(host) or host_matches(host, settings.SPLP_UPSTREAM_HOSTS)


def address_is_public(ip):
    """False for loopback, link-local (cloud metadata), private, multicast, reserved and unspecified ranges."""
    addr = ipaddress.ip_address(ip)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return addr.is_global and not addr.is_multicast


def upstream_url_refusal(url):
    """Why the bus must not call ``url`` as far as the URL alone tells (scheme, allow-list, an address
    literal), or None. The bus' SSRF guard (access.upstream) starts here and then checks what a name
    resolves to, at call time; configuration refuses with this part, which needs no DNS."""
    parts = urlsplit(url or "")
    host = parts.hostname
    if not host or parts.scheme not in ("http", "https"):
        return "upstream URL must be http(s) with a host"
    if parts.scheme != "https" and not is_internal_host(host):
        return "https required for upstreams not allow-listed as internal"
    if not host_allowed(host):
        return f"host {host} is not on the upstream allow-list"
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return None
    if not address_is_public(literal) and not is_internal_host(host):
        return f"{host} is a non-public address not allow-listed"
    return None


@dataclass(frozen=True)
class Subject:
    """What a rule looks at: the document, its operations, the upstream and the media types allowed."""

    doc: dict
    ops: list
    upstream_base_url: str
    allowed_media_types: tuple


@dataclass(frozen=True)
class Rule:
    """A rule of the checklist: ``check(subject)`` answers (passed, detail)."""

    code: str
    label: str
    check: Callable[[Subject], tuple[bool, str]]
    default_enabled: bool = True
    default_severity: str = InteropSeverityChoices.BLOCKING


def _valid_document(subject):
    try:
        _validator_class(subject.doc)(subject.doc).validate()
    except Exception as exc:  # the validator raises several unrelated exception types
        return False, str(getattr(exc, "message", exc))[:500]
    return True, _("Format: %(fmt)s") % {"fmt": detect_format(subject.doc).label}


def _operations_lacking(subject, has_it):
    missing = [f"{m} {p}" for m, p, op, _shared in subject.ops if not has_it(op)]
    return not missing, ", ".join(missing[:10])


def _summaries(subject):
    return _operations_lacking(subject, lambda op: str(op.get("summary", "")).strip())


def _success_schema(subject):
    return _operations_lacking(
        subject, lambda op: _has_response_schema(subject.doc, op, lambda code: code.startswith("2"))
    )


def _error_schema(subject):
    return _operations_lacking(
        subject,
        lambda op: _has_response_schema(subject.doc, op, lambda code: code.startswith("4") or code == "default"),
    )


def media_type_allowed(media_type, patterns):
    """True when the media type (parameters ignored) matches one of the standard's patterns (``*`` wildcards)."""
    media_type = media_type.split(";")[0].strip().lower()
    return any(fnmatch.fnmatchcase(media_type, pattern) for pattern in patterns)


def _media(subject):
    refused = sorted({
        t for _m, _p, op, _s in subject.ops for t in _media_types(subject.doc, op)
        if not media_type_allowed(t, subject.allowed_media_types)
    })
    return not refused, ", ".join(refused[:10])


def _versioned(subject):
    doc, ops = subject.doc, subject.ops
    info_version = str((doc.get("info") or {}).get("version", "")).strip()
    base_path = doc.get("basePath", "") + " ".join(
        str(s.get("url", "")) for s in doc.get("servers") or [] if isinstance(s, dict)
    )
    versioned = bool(info_version) or any(VERSION_IN_PATH.search(p) for _m, p, _o, _s in ops) or bool(
        VERSION_IN_PATH.search(base_path)
    )
    return versioned, info_version


def _https_upstream(subject):
    parts = urlsplit(subject.upstream_base_url or "")
    internal = is_internal_host(parts.hostname)
    return parts.scheme == "https" or (parts.scheme == "http" and internal), subject.upstream_base_url


def _security_scheme(subject):
    doc = subject.doc
    if doc.get("swagger"):
        schemes = doc.get("securityDefinitions")
    else:
        components = doc.get("components")
        schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    if not isinstance(schemes, dict) or not schemes:
        return False, _("No security scheme is declared.")

    def referenced(requirements):
        return isinstance(requirements, list) and any(isinstance(r, dict) and set(r) & set(schemes)
                                                      for r in requirements)

    # An operation's own `security` replaces the document's (an empty list: no security at all).
    return _operations_lacking(subject, lambda op: referenced(op["security"] if "security" in op
                                                              else doc.get("security")))


RULES = (
    Rule("valid_document", gettext_lazy("Valid OpenAPI/Swagger document"), _valid_document),
    Rule("has_operations", gettext_lazy("Contains at least one operation"), lambda s: (bool(s.ops), "")),
    Rule("summaries", gettext_lazy("Every operation has a summary"), _summaries),
    Rule("success_schema", gettext_lazy("Every operation has a success (2xx) response with a schema"),
         _success_schema),
    # The code predates the choice of media types: stored results and their readers know it by this name.
    Rule("json_media", gettext_lazy("Media types allowed by the standard"), _media),
    Rule("versioned", gettext_lazy("A version in the path or in info.version"), _versioned),
    Rule("https_upstream", gettext_lazy("The upstream uses HTTPS (unless the host is internal and allowed by the "
                                        "Dinas)"), _https_upstream),
    Rule("security_scheme", gettext_lazy("A security scheme is declared and every operation refers to one"),
         _security_scheme, default_enabled=False, default_severity=InteropSeverityChoices.WARNING),
    Rule("error_schema", gettext_lazy("Every operation has an error (4xx or default) response with a schema"),
         _error_schema, default_enabled=False, default_severity=InteropSeverityChoices.WARNING),
)
RULE_CODES = tuple(rule.code for rule in RULES)
DEFAULT_MEDIA_TYPES = ["application/json", "*/*+json"]
MEDIA_TYPE_PATTERN = re.compile(r"^[a-z0-9*][a-z0-9!#$&^_.+*-]*/[a-z0-9*][a-z0-9!#$&^_.+*-]*$")


def rule_setting(rules, rule):
    """The Dinas' setting of ``rule`` in ``rules``; a rule the standard does not mention yet applies as its
    defaults say."""
    return {"enabled": rule.default_enabled, "severity": rule.default_severity, **(rules.get(rule.code) or {})}


def default_rules():
    return {rule.code: rule_setting({}, rule) for rule in RULES}


def validate_rules(value):
    """The standard's ``rules``: {code of RULES: {"enabled": bool, "severity": a severity}}."""
    unknown = sorted(set(value) - set(RULE_CODES)) if isinstance(value, dict) else [str(value)]
    if unknown:
        raise ValidationError(_("Unknown interoperability rule: %(codes)s") % {"codes": ", ".join(unknown)})
    for code, setting in value.items():
        if (not isinstance(setting, dict) or set(setting) != {"enabled", "severity"}
                or not isinstance(setting["enabled"], bool)
                or setting["severity"] not in InteropSeverityChoices.values):
            raise ValidationError(_("The setting of rule %(code)s must say whether it is on and whether it blocks.")
                                  % {"code": code})


def normalise_media_types(values):
    """Lower-cased, stripped, without blanks or repeats, in the order given."""
    return list(dict.fromkeys(v.strip().lower() for v in values if v.strip()))


def validate_media_types(value):
    if not isinstance(value, list) or not value:
        raise ValidationError(_("At least one media type must be allowed."))
    wrong = [v for v in value if not isinstance(v, str) or not MEDIA_TYPE_PATTERN.match(v)]
    if wrong:
        raise ValidationError(_("Not a media type (type/subtype, * allowed): %(values)s")
                              % {"values": ", ".join(map(str, wrong))})


def run_interop_check(doc, upstream_base_url, standard=None):
    """The checklist stored with the version: the rules ``standard`` (an InteropStandard; None: the defaults)
    enables, each blocking or a warning. Publishing is blocked while a blocking item fails."""
    rules = standard.rules if standard is not None else {}
    media = standard.allowed_media_types if standard is not None else DEFAULT_MEDIA_TYPES
    subject = Subject(doc, list(iter_operations(doc)), upstream_base_url, tuple(media))
    checks = []
    for rule in RULES:
        setting = rule_setting(rules, rule)
        if not setting["enabled"]:
            continue
        passed, detail = rule.check(subject)
        checks.append({"code": rule.code, "label": str(rule.label), "passed": bool(passed),
                       "blocking": setting["severity"] == InteropSeverityChoices.BLOCKING, "detail": detail})
    return checks
