"""`make run`: serve every Api route of template.yaml on http://127.0.0.1:3000, no Docker.

Each request becomes an API Gateway REST proxy event and is handed to that function's handler,
in-process, as `sam local start-api` would do in a container. DynamoDB is embedded (moto) unless
DYNAMODB_ENDPOINT_URL points at DynamoDB Local or real DynamoDB.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import threading
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from local import runtime
from local.background import Background, RecordingBus
from local.template import Function, Route, functions


class LocalApi:
    def __init__(self, fns: dict[str, Function], bus: Any = None) -> None:
        self.functions = fns
        self.bus = bus
        self.routes: list[tuple[Route, Any]] = []
        for fn in fns.values():
            for route in fn.routes:
                self.routes.append((route, runtime.route_regex(route.path)))
        # Literal paths before parameterised ones, like API Gateway.
        self.routes.sort(key=lambda r: (r[0].path.count("{"), -len(r[0].path)))

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        path_exists = False
        for route, regex in self.routes:
            m = regex.match(path)
            if m:
                path_exists = True
                if route.method in (method, "ANY"):
                    return route, m.groupdict(), True
        return None, {}, path_exists

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        if request.path == "/_local/events" and request.method == "GET":
            events = self.bus.snapshot() if self.bus else []
            kind = request.args.get("type")
            wallet = request.args.get("wallet_id")
            events = [
                e
                for e in events
                if (not kind or e["detail-type"] == kind)
                and (not wallet or e["detail"].get("wallet_id") == wallet)
            ]
            return _json(200, {"data": events})
        route, params, path_exists = self.match(request.method, request.path)
        if route is None:
            # API Gateway's own answers for unknown resources and methods.
            status = 405 if path_exists else 403 if request.path != "/" else 404
            return _json(
                status, {"message": "Missing Authentication Token" if status == 403 else "Not Found"}
            )
        fn = self.functions[route.function]
        headers = {k: v for k, v in request.headers.items()}
        event = runtime.api_event(
            request.method,
            request.path,
            request.get_data() or None,
            headers=headers,
            query=dict(request.args) or None,
            route=route,
            path_params=params,
            source_ip=request.remote_addr or "127.0.0.1",
        )
        try:
            result = runtime.invoke(fn, event)
        except Exception as exc:  # the function crashed: API Gateway answers 502, no details
            print(f"[{fn.logical_id}] unhandled {type(exc).__name__}: {exc}", file=sys.stderr)
            return _json(502, {"message": "Internal server error"})
        return _from_lambda(result)


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _from_lambda(result: Any) -> Response:
    if not isinstance(result, dict) or "statusCode" not in result:
        return _json(502, {"message": "Internal server error"})
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    response = Response(data, status=int(result["statusCode"]))
    for key, value in (result.get("headers") or {}).items():
        response.headers[key] = str(value)
    for key, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            if response.headers.get(key) != str(value):
                response.headers.add(key, str(value))
    return response


def build() -> tuple[LocalApi, Background]:
    runtime.apply_local_env()
    endpoint = os.environ.get("DYNAMODB_ENDPOINT_URL")
    from local import embedded as db

    if endpoint:
        db.create_table(os.environ["TABLE_NAME"], endpoint)
    else:
        db.start(os.environ["TABLE_NAME"])
    fns = functions()
    for fn in fns.values():
        runtime.load_handler(fn)  # import errors surface at start, not on the first request
    from wallets import events

    bus = RecordingBus()
    events._client = bus  # the publisher's EventBridge client: record and print instead
    background = Background(
        fns, os.environ["TABLE_NAME"], float(os.environ.get("LOCAL_SCHEDULE_SPEEDUP", "1"))
    )
    return LocalApi(fns, bus), background


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    args = parser.parse_args(argv)
    api, background = build()
    server = make_server(args.host, args.port, api, threaded=True)
    where = os.environ.get("DYNAMODB_ENDPOINT_URL") or "embedded DynamoDB (moto, in memory)"
    print(
        f"Wallets API on http://{args.host}:{server.server_port}  (table {os.environ['TABLE_NAME']} on {where})"
    )
    for route, _ in sorted(api.routes, key=lambda r: (r[0].path, r[0].method)):
        print(f"  {route.method:6} {route.path:55} -> {route.function}")
    for line in background.describe():
        print(line)
    print("  GET    /_local/events  (published events; filters type, wallet_id)")
    print("Like `sam local start-api`, this does NOT check IAM (SigV4) signatures.")
    sys.stdout.flush()
    background.start()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        thread.join()
    except KeyboardInterrupt:
        server.shutdown()


if __name__ == "__main__":
    main()
