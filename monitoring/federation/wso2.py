"""An API of this SPLP as a WSO2 API Manager 4.x project, the directory ``apictl import api --file`` takes.

The national SPLP runs WSO2 API Manager with each Pemda as a tenant. A project is a folder (or its zip)::

    <Name>-<version>/
        api.yaml                      type: api, version: v4.x.x, data: the API DTO
        deployment_environments.yaml  type: deployment_environments, data: [{displayOnDevportal, deploymentEnvironment}]
        Definitions/swagger.yaml      the OpenAPI document

The national gateway calls this SPLP's bus, never the Perangkat Daerah's upstream: the endpoints are this
SPLP's gateway address for the version (``/gateway/<slug>/v<version>/``, access.gateway), and so are the
document's servers. The bus' API key the national gateway presents is set there as endpoint security by the
Dinas, never exported. Subscription tier: ``Unlimited``; the bus enforces each grant's own rate limit.

Format as documented by WSO2 (checked by tests/monitoring/test_federation.py):
- https://apim.docs.wso2.com/en/4.0.0/install-and-setup/setup/api-controller/managing-apis-api-products/migrating-apis-to-different-environments
  (apictl export api / import api: a project folder or its zip per API)
- https://apim.docs.wso2.com/en/3.0.0/learn/api-controller/importing-apis-via-dev-first-approach/
  (apictl init and import of a project built outside API Manager)
- https://github.com/wso2/product-apim-tooling, import-export-cli/box/resources/init/default_api.yaml and
  default_deployment_environments.yaml (the project apictl init writes), and
  import-export-cli/cmd/testdata/PizzaShackAPI-1.0.0/{api.yaml,Definitions/swagger.yaml} (an exported API:
  operations with target, verb, authType, throttlingPolicy).
"""

import copy
import hashlib
import io
import re
import zipfile

import yaml
from django.utils.text import slugify

from access.gateway import gateway_url
from directory.choices import SpecFormatChoices
from directory.models import ApiVersion
from splp.context_processors import current_pemda

# The DTO version WSO2 API Manager 4.x writes and reads (apictl refuses a project of another major version).
FORMAT_VERSION = "v4.2.0"
THROTTLING_POLICY = "Unlimited"
DEPLOYMENT_ENVIRONMENT = "Default"


def context(api_version: ApiVersion) -> str:
    """The API's context on the national gateway: the Pemda first, so two Pemda's APIs never collide."""
    return f"/{slugify(current_pemda().name)}/{api_version.service.slug}"


def project_name(api_version: ApiVersion) -> str:
    # WSO2's API name allows no spaces or special characters: "Data Kependudukan" becomes DataKependudukan.
    return re.sub(r"[^A-Za-z0-9]", "", api_version.service.name.title()) or api_version.service.slug


def manifest(api_version: ApiVersion) -> dict:
    """What an export says, in the terms the change summary compares."""
    return {
        "name": project_name(api_version),
        "context": context(api_version),
        "version": api_version.version,
        "endpoint": gateway_url(api_version),
        "operations": sorted(f"{op.method} {op.path}" for op in api_version.operations.all()),
    }


def api_yaml(api_version: ApiVersion) -> dict:
    service, facts = api_version.service, manifest(api_version)
    endpoint = {"url": facts["endpoint"]}
    return {
        "type": "api",
        "version": FORMAT_VERSION,
        "data": {
            "name": facts["name"],
            "displayName": service.name,
            "description": service.description,
            "context": facts["context"],
            "version": facts["version"],
            "provider": "admin",
            "lifeCycleStatus": "PUBLISHED",
            "type": "HTTP",
            "transport": ["https"],
            "tags": [service.theme.slug],
            "policies": [THROTTLING_POLICY],
            "visibility": "PUBLIC",
            "businessInformation": {
                "businessOwner": service.owner.name,
                "technicalOwner": service.contact_name,
                "technicalOwnerEmail": service.contact_email,
            },
            "endpointConfig": {
                "endpoint_type": "http",
                "production_endpoints": endpoint,
                "sandbox_endpoints": dict(endpoint),
            },
            "endpointImplementationType": "ENDPOINT",
            "operations": [
                {"target": op.path, "verb": op.method.upper(), "authType": "Application & Application User",
                 "throttlingPolicy": THROTTLING_POLICY, "scopes": []}
                for op in api_version.operations.order_by("path", "method")
            ],
        },
    }


def swagger(api_version: ApiVersion) -> dict:
    """The stored document, pointed at this SPLP's gateway instead of the upstream."""
    doc = copy.deepcopy(api_version.spec)
    url = gateway_url(api_version)
    if api_version.spec_format == SpecFormatChoices.SWAGGER2:
        scheme, _sep, rest = url.partition("://")
        host, _sep, base_path = rest.partition("/")
        doc.update(schemes=[scheme], host=host, basePath="/" + base_path.rstrip("/"))
    else:
        doc["servers"] = [{"url": url}]
    return doc


def deployment_environments() -> dict:
    return {"type": "deployment_environments", "version": FORMAT_VERSION,
            "data": [{"displayOnDevportal": True, "deploymentEnvironment": DEPLOYMENT_ENVIRONMENT}]}


def _dump(data) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode()


def project_files(api_version: ApiVersion) -> dict[str, bytes]:
    """The project's files by path inside the archive, under its ``<Name>-<version>/`` folder."""
    folder = f"{project_name(api_version)}-{api_version.version}"
    return {
        f"{folder}/api.yaml": _dump(api_yaml(api_version)),
        f"{folder}/Definitions/swagger.yaml": _dump(swagger(api_version)),
        f"{folder}/deployment_environments.yaml": _dump(deployment_environments()),
    }


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archive(files: dict[str, bytes]) -> bytes:
    """One zip of one or more projects; apictl imports each ``<Name>-<version>/`` folder (or a zip of it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in files.items():
            zipped.writestr(name, data)
    return buffer.getvalue()


def changes(previous: dict | None, current: dict) -> dict:
    """What changed since the previous export's manifest: operations added and removed, the version, the
    endpoint and the context (each [before, after]); ``first`` when there was none."""
    if previous is None:
        return {"first": True}
    before, after = set(previous.get("operations", [])), set(current["operations"])
    summary = {"first": False, "added": sorted(after - before), "removed": sorted(before - after)}
    for key in ("version", "endpoint", "context"):
        if previous.get(key) != current[key]:
            summary[key] = [previous.get(key), current[key]]
    return summary
