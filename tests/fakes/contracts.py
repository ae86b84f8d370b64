"""The platforms' OpenAPI files as the fakes use them: loaded once, corrected where the published files
disagree with the platforms' own docs, and used to check every request and answer the fakes handle.

A finding is one line saying what is wrong and where, for the fakes' `validation_errors`.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema_path import SchemaPath
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.security.exceptions import SecurityProviderError
from openapi_core.security.factories import SecurityProviderFactory
from openapi_core.security.providers import BaseProvider
from openapi_core.validation.request.exceptions import SecurityValidationError
from tests.fakes.http_messages import RecordedRequest, parse_multipart
from werkzeug.datastructures import Headers, ImmutableMultiDict

# A copy of shared/marketplace-specs is kept in the repository, so a fresh clone (CI) has it; a test
# checks the copy against shared/ where that is beside the checkout.
SPECS_DIR = Path(
    os.environ.get("MARKETPLACE_SPECS_DIR") or Path(__file__).resolve().parents[1] / "fixtures" / "marketplace-specs"
)
SHARED_SPECS_DIR = Path(__file__).resolve().parents[3] / "shared" / "marketplace-specs"
_VALIDATION_LOCK = threading.Lock()  # openapi-core fills caches lazily; one validation at a time is cheap enough


@dataclass(frozen=True)
class Contract:
    """One OpenAPI file, and the host its `servers` name: requests are matched as if sent there."""

    file: str
    host: str


class _BearerProvider(BaseProvider):
    """openapi-core leaves oauth2 schemes unchecked (with a warning, an error under pytest). The
    contract's share of OAuth is that a Bearer token is sent; whether it is valid is the fake's job."""

    def __call__(self, parameters: RequestParameters) -> Any:
        scheme, _, token = str(parameters.header.get("Authorization", "")).partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise SecurityProviderError("no Authorization: Bearer <token> header")
        return token


class _SecurityProviders(SecurityProviderFactory):
    PROVIDERS = {**SecurityProviderFactory.PROVIDERS, "oauth2": _BearerProvider}  # noqa: RUF012 (as in the base)


def _multipart_loads(value: bytes, **parameters: str) -> ImmutableMultiDict[str, Any]:
    """Text parts as text, files as bytes. openapi-core's own loader gives bytes for every part, which
    its casters cannot turn into the integers and booleans the Etsy contract declares (rank=1)."""
    parts = parse_multipart(value, f'multipart/form-data; boundary="{parameters.get("boundary", "")}"')
    return ImmutableMultiDict(
        [
            (name, part.data if part.filename is not None else part.data.decode("utf-8", "replace"))
            for name, part in parts.items()
        ]
    )


def _prepare(spec: dict[str, Any]) -> dict[str, Any]:
    """Fix what the published files get wrong against the platforms' own docs, so that the fakes refuse
    what the platforms refuse and nothing else:
    - eBay's servers are `https://api.ebay.com{basePath}`, which openapi-core cannot match: expand it;
    - Etsy gives many optional parameters `default: null` without `nullable`, which would make every
      request that leaves them out invalid: a null default means no default;
    - multipart fields are text on the wire; `style: form` makes openapi-core cast them like form fields;
    - eBay declares `product.aspects` a string, but its docs and every client send {"Brand": ["Acme"]}."""
    servers = []
    for server in spec.get("servers", []):
        url = server["url"]
        for name, variable in server.get("variables", {}).items():
            url = url.replace("{" + name + "}", variable["default"])
        servers.append({"url": url})
    spec["servers"] = servers

    def strip_null_defaults(node: Any) -> None:
        if isinstance(node, dict):
            if "default" in node and node["default"] is None and not node.get("nullable"):
                del node["default"]
            for child in node.values():
                strip_null_defaults(child)
        elif isinstance(node, list):
            for child in node:
                strip_null_defaults(child)

    strip_null_defaults(spec)
    for operations in spec["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
            for media_type, body in content.items():
                if media_type.startswith("multipart/"):
                    scalars = {"integer", "number", "boolean"}
                    properties = body.get("schema", {}).get("properties", {})
                    body["encoding"] = {
                        name: {"style": "form", "explode": True}
                        for name, prop in properties.items()
                        if prop.get("type") in scalars
                    }
    product = spec.get("components", {}).get("schemas", {}).get("Product", {}).get("properties", {})
    if product.get("aspects", {}).get("type") == "string":
        product["aspects"] = {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}
    return spec


@cache
def openapi(file: str) -> OpenAPI:
    """The OpenAPI object for one file, built once per process (the files are large)."""
    path = SPECS_DIR / file
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: the fakes read tests/fixtures/marketplace-specs (or MARKETPLACE_SPECS_DIR)"
        )
    config = Config(
        spec_validator_cls=None,  # Etsy's file fails openapi-spec-validator (a null default); _prepare handles it
        security_provider_factory=_SecurityProviders(),
        additional_properties_default_policy="forbid",  # a misspelt field is refused, not silently dropped
        extra_media_type_deserializers={"multipart/form-data": _multipart_loads},
    )
    return OpenAPI(SchemaPath.from_dict(_prepare(json.loads(path.read_text(encoding="utf-8")))), config=config)


class _ApiRequest:
    """A recorded request as openapi-core reads one."""

    def __init__(self, contract: Contract, request: RecordedRequest) -> None:
        mimetype, _, parameters = request.content_type.partition(";")
        self.host_url = contract.host
        self.path = request.path
        self.method = request.method.lower()
        self.body = request.body
        self.content_type = mimetype.strip().lower() + (";" + parameters if parameters else "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.query_pairs)), header=Headers(list(request.headers.items()))
        )


class _ApiResponse:
    def __init__(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        self.status_code = status
        self.data = body
        self.headers = Headers(list(headers.items()))
        self.content_type = self.headers.get("Content-Type", "")


def _describe(error: BaseException) -> str:
    """One line per finding: what is wrong and where, without echoing the whole body."""
    if isinstance(error, SecurityValidationError):
        return "no credentials the contract asks for (a Bearer token / x-api-key)"
    head = str(error).split(": Value ", 1)[0]
    details = [
        f"{'/'.join(map(str, detail.absolute_path))}: {detail.message}" if detail.absolute_path else detail.message
        for detail in getattr(error.__cause__, "schema_errors", None) or ()
    ]
    return f"{head}: {'; '.join(details)}" if details else head


def check_request(contract: Contract, request: RecordedRequest) -> tuple[list[str], bool]:
    """What the contract finds wrong with a request, and whether it is the security part (no token/key)."""
    with _VALIDATION_LOCK:
        errors = list(openapi(contract.file).iter_request_errors(_ApiRequest(contract, request)))
    return [_describe(error) for error in errors], any(isinstance(error, SecurityValidationError) for error in errors)


def check_response(
    contract: Contract, request: RecordedRequest, status: int, body: bytes, headers: Mapping[str, str]
) -> list[str]:
    with _VALIDATION_LOCK:
        errors = list(
            openapi(contract.file).iter_response_errors(
                _ApiRequest(contract, request), _ApiResponse(status, body, headers)
            )
        )
    return [_describe(error) for error in errors]
