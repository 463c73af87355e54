"""In-process Lambda runtime: load a function's handler, build API Gateway REST proxy events, invoke.

Used by the local server (`make run`), `make invoke` and the tests, so all three run handlers the
way API Gateway and Lambda would.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.template import ROOT, Function, Route, functions

LAYER = ROOT / "layers" / "wallets"
if str(LAYER) not in sys.path:
    sys.path.insert(0, str(LAYER))

LOCAL_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    # botocore >= 1.38 sends DynamoDB Streams calls to account-based endpoints moto doesn't know.
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "TABLE_NAME": "wallets-local",
    "EVENT_BUS_NAME": "wallets-local",
    "PAYMENT_GATEWAY": "sandbox",
    "POWERTOOLS_SERVICE_NAME": "wallets",
    "POWERTOOLS_METRICS_NAMESPACE": "Wallets",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}


def apply_local_env(overrides: dict[str, str] | None = None) -> None:
    """Environment for handlers run here: template values that are plain strings, local defaults for !Refs."""
    for key, value in LOCAL_ENV.items():
        os.environ.setdefault(key, value)
    for fn in functions().values():
        for key, value in fn.environment.items():
            if isinstance(value, str) and key not in os.environ:
                os.environ[key] = value
    os.environ.update(overrides or {})


@dataclass
class LambdaContext:
    function_name: str = "local"
    memory_limit_in_mb: int = 512
    timeout_s: float = 10.0
    aws_request_id: str = ""
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:local"
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    def __post_init__(self) -> None:
        self.aws_request_id = self.aws_request_id or str(uuid.uuid4())
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


_loaded: dict[str, Callable[[dict[str, Any], Any], Any]] = {}


def load_handler(fn: Function) -> Callable[[dict[str, Any], Any], Any]:
    """Import the function's module under a unique name (every function's module is called app.py)."""
    if fn.logical_id not in _loaded:
        name = f"functions_{fn.code_uri.name}_{fn.module_file.stem}"
        spec = importlib.util.spec_from_file_location(name, fn.module_file)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {fn.module_file}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        _loaded[fn.logical_id] = getattr(module, fn.handler_name)
    return _loaded[fn.logical_id]


def route_regex(path: str) -> re.Pattern[str]:
    pattern = re.sub(r"\{(\w+)\+?\}", r"(?P<\1>[^/]+)", path)
    return re.compile(f"^{pattern}$")


def api_event(
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    route: Route | None = None,
    path_params: dict[str, str] | None = None,
    source_ip: str = "127.0.0.1",
    caller_arn: str | None = None,
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event, as API Gateway would send it to Lambda."""
    if body is not None and not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    is_b64 = False
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            body, is_b64 = base64.b64encode(body).decode(), True
    hdrs = {"Content-Type": "application/json", **(headers or {})} if body else dict(headers or {})
    resource = route.path if route else path
    now = time.time()
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method.upper(),
        "headers": hdrs or None,
        "multiValueHeaders": {k: [v] for k, v in hdrs.items()} or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": path_params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method.upper(),
            "path": f"/local{path}",
            "stage": "local",
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(now * 1000),
            "identity": {
                "sourceIp": source_ip,
                "userAgent": (headers or {}).get("User-Agent", ""),
                # What API Gateway's IAM auth fills in; the local server checks no signatures.
                "userArn": caller_arn,
            },
            "accountId": "000000000000",
            "apiId": "local",
            "protocol": "HTTP/1.1",
            **({"authorizer": authorizer} if authorizer else {}),
        },
        "body": body or None,
        "isBase64Encoded": is_b64,
    }


def invoke(fn: Function, event: dict[str, Any], timeout_s: float | None = None) -> Any:
    """Call the handler with a context whose deadline is the function's Timeout from the template."""
    context = LambdaContext(function_name=fn.logical_id, timeout_s=timeout_s or fn.timeout)
    return load_handler(fn)(event, context)
