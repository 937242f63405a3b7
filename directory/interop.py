"""Parsing an OpenAPI document and the Pasal 6(5) interoperability check run on every submitted spec."""

import fnmatch
import ipaddress
import json
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openapi_spec_validator import OpenAPIV2SpecValidator, OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

from splp.parsing import DocumentError, load_json, load_yaml

from .choices import SpecFormatChoices

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


def _is_json_media(media_type):
    media_type = media_type.split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _success_has_schema(doc, op):
    responses = op.get("responses") or {}
    for code, response in responses.items():
        if not str(code).startswith("2") or not isinstance(response, dict):
            continue
        if "$ref" in response:
            return True
        if doc.get("swagger"):
            if "schema" in response:
                return True
        else:
            for media in (response.get("content") or {}).values():
                if isinstance(media, dict) and "schema" in media:
                    return True
    return False


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


def _check(code, label, passed, detail="", blocking=True):
    return {"code": code, "label": label, "passed": bool(passed), "blocking": blocking, "detail": detail}


def run_interop_check(doc, upstream_base_url):
    """The checklist stored with the version; publishing is blocked while a blocking item fails."""
    checks = []
    errors = []
    try:
        _validator_class(doc)(doc).validate()
    except Exception as exc:  # the validator raises several unrelated exception types
        errors.append(str(getattr(exc, "message", exc))[:500])
    checks.append(
        _check(
            "valid_document",
            _("Valid OpenAPI/Swagger document"),
            not errors,
            errors[0] if errors else _("Format: %(fmt)s") % {"fmt": detect_format(doc).label},
        )
    )
    ops = list(iter_operations(doc))
    checks.append(_check("has_operations", _("Contains at least one operation"), bool(ops)))
    missing_summary = [f"{m} {p}" for m, p, op, _shared in ops if not str(op.get("summary", "")).strip()]
    checks.append(
        _check(
            "summaries",
            _("Every operation has a summary"),
            not missing_summary,
            ", ".join(missing_summary[:10]),
        )
    )
    missing_schema = [f"{m} {p}" for m, p, op, _shared in ops if not _success_has_schema(doc, op)]
    checks.append(
        _check(
            "success_schema",
            _("Every operation has a success (2xx) response with a schema"),
            not missing_schema,
            ", ".join(missing_schema[:10]),
        )
    )
    non_json = sorted({t for _m, _p, op, _s in ops for t in _media_types(doc, op) if not _is_json_media(t)})
    checks.append(
        _check("json_media", _("JSON media types"), not non_json, ", ".join(non_json[:10]))
    )
    info_version = str((doc.get("info") or {}).get("version", "")).strip()
    base_path = doc.get("basePath", "") + " ".join(
        str(s.get("url", "")) for s in doc.get("servers") or [] if isinstance(s, dict)
    )
    versioned = bool(info_version) or any(VERSION_IN_PATH.search(p) for _m, p, _o, _s in ops) or bool(
        VERSION_IN_PATH.search(base_path)
    )
    checks.append(
        _check("versioned", _("A version in the path or in info.version"), versioned, info_version)
    )
    parts = urlsplit(upstream_base_url or "")
    internal = is_internal_host(parts.hostname)
    checks.append(
        _check(
            "https_upstream",
            _("The upstream uses HTTPS (unless the host is internal and allowed by the Dinas)"),
            parts.scheme == "https" or (parts.scheme == "http" and internal),
            upstream_base_url,
        )
    )
    return checks
