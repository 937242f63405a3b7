"""Demo upstreams served by the project itself, so the demo APIs answer through the bus right after ``make run``.

Each answer is built from the API's own OpenAPI document: the 2xx response's example, or a value
synthesised from its schema. Enabled only with SPLP_DEMO_UPSTREAM (on in the developer profile).
"""

from django.conf import settings
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from directory.models import LIVE_STATUSES, ApiVersion

from .gateway import path_pattern

SAMPLES = {"string": "contoh", "integer": 1, "number": 1.5, "boolean": True}


def _resolve(node, doc):
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        target = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node, seen = target, seen + 1
    return node


def example_from_schema(schema, doc, depth=0):
    schema = _resolve(schema, doc)
    if not isinstance(schema, dict) or depth > 6:
        return None
    if "example" in schema:
        return schema["example"]
    if "enum" in schema and schema["enum"]:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "array":
        return [example_from_schema(schema.get("items", {}), doc, depth + 1)]
    if kind == "object" or "properties" in schema:
        return {
            name: example_from_schema(prop, doc, depth + 1) for name, prop in (schema.get("properties") or {}).items()
        }
    return SAMPLES.get(kind)


def _success_body(op, doc):
    for code, response in (op.get("responses") or {}).items():
        if not str(code).startswith("2"):
            continue
        response = _resolve(response, doc)
        if "schema" in response:  # Swagger 2
            return int(code), example_from_schema(response["schema"], doc)
        for media in (response.get("content") or {}).values():
            if "example" in media:
                return int(code), media["example"]
            return int(code), example_from_schema(media.get("schema", {}), doc)
    return 200, {}


@csrf_exempt
def demo_upstream(request, slug, path=""):
    if not settings.SPLP_DEMO_UPSTREAM:
        raise Http404
    version = (
        ApiVersion.objects.filter(service__slug=slug, status__in=LIVE_STATUSES).order_by("-id").first()
    )
    if version is None:
        raise Http404
    path = "/" + path
    doc = version.spec
    for template, item in (doc.get("paths") or {}).items():
        op = item.get(request.method.lower()) if isinstance(item, dict) else None
        if op and path_pattern(template).match(path):
            status, body = _success_body(op, doc)
            response = JsonResponse(body, status=status, safe=False)
            response["X-Demo-Upstream"] = slug
            return response
    return JsonResponse({"message": "not found"}, status=404)
