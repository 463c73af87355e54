"""`make run`: serve every Api route of template.yaml on http://127.0.0.1:3000, no Docker.

Each request becomes an API Gateway REST proxy event and is handed to that function's handler,
in-process, as `sam local start-api` would do in a container.

DynamoDB, in this order: DYNAMODB_ENDPOINT_URL when set (an engine you run, or real DynamoDB);
embedded moto when LOCAL_ENGINE=moto; otherwise DynamoDB Local (AWS's engine, installed into .local/
on first use) started here, keeping its data in .local/dynamodb-data/ across restarts (`--fresh`,
i.e. `make run-clean`, starts empty), and stopped when the server exits. Without `java`, moto.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from local import dynamodb_local, embedded, reference, runtime, staff, tokens
from local.background import Background, RecordingBus
from local.template import ROOT, Function, Route, authorizers, functions, table_spec

DATA = ROOT / ".local" / "dynamodb-data"
MAX_BODY_BYTES = 10 * 1024 * 1024


class LocalApi:
    def __init__(
        self,
        fns: dict[str, Function],
        bus: Any = None,
        background: Background | None = None,
        issuer: tokens.LocalIssuer | None = None,
        staff_sessions: staff.Staff | None = None,
    ) -> None:
        self.functions = fns
        self.staff = staff_sessions  # the dashboard's staff sign-in and its roles' policies
        self.bus = bus
        self.background = background
        self.issuer = issuer
        self.reference = reference.Reference()  # the API reference at /docs
        self.authorizers = {name: fns[logical_id] for name, logical_id in authorizers().items()}
        self.routes: list[tuple[Route, Any]] = []
        for fn in fns.values():
            for route in fn.routes:
                self.routes.append((route, runtime.route_regex(route.path)))
        # Literal paths before parameterised ones, like API Gateway.
        self.routes.sort(key=lambda r: (r[0].path.count("{"), -len(r[0].path)))

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        for route, regex in self.routes:
            m = regex.match(path)
            if m and route.method in (method, "ANY"):
                return route, m.groupdict()
        return None, {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        if request.path in reference.PATHS and request.method in ("GET", "HEAD"):
            return reference.respond(self.reference)
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
        if request.path == "/_local/.well-known/jwks.json" and self.issuer is not None:
            return _json(200, self.issuer.jwks)
        if request.path.startswith("/_local/") and self.issuer is not None:
            answer = self.sign_in(request, self.issuer)
            if answer is not None:
                return answer
        if request.path == "/_local/staff-login" and request.method == "GET" and self.staff is not None:
            try:
                return _json(
                    200,
                    self.staff.login(request.args.get("user", ""), request.args.get("role", "")),
                    {"Cache-Control": "no-store"},
                )
            except ValueError as refused:
                return _json(400, {"message": str(refused)})
        if request.path == "/_local/failures" and request.method == "GET":
            pump = self.background.pump if self.background else None
            return _json(200, {"data": pump.failures() if pump else []})
        if (request.content_length or 0) > MAX_BODY_BYTES:  # API Gateway's payload limit
            return _json(413, {"message": "Request Too Long"})
        route, params = self.match(request.method, request.path)
        if route is None:
            # API Gateway's own answer for unknown resources and for unknown methods of known ones.
            if request.path == "/":
                return _json(404, {"message": "Not Found"})
            return _json(403, {"message": "Missing Authentication Token"})
        fn = self.functions[route.function]
        headers = {k: v for k, v in request.headers.items()}
        signed_by = None  # API Gateway's identity of a request signed with staff credentials
        if route.authorizer is None and self.staff is not None and self.staff.is_staff_request(headers):
            try:
                # The URL as sent: werkzeug's request.url decodes the query (%3A -> :), which the
                # client signed encoded.
                sent = request.host_url.rstrip("/") + request.environ.get(
                    "RAW_URI", request.full_path.rstrip("?")
                )
                signed_by = self.staff.check(request.method, sent, headers, request.get_data())
            except staff.Refused as refused:
                return _json(403, {"message": str(refused)})
        context: dict[str, Any] | None = None
        if route.authorizer is not None:
            authorized = self.authorize(route, request)
            if isinstance(authorized, Response):
                return authorized
            context = authorized
        event = runtime.api_event(
            request.method,
            request.path,
            request.get_data() or None,
            headers=headers,
            query=dict(request.args) or None,
            route=route,
            path_params=params,
            source_ip=request.remote_addr or "127.0.0.1",
            authorizer=context,
        )
        if signed_by is not None:
            event["requestContext"]["identity"].update(signed_by)
        try:
            result = runtime.invoke(fn, event)
        except Exception as exc:  # the function crashed: API Gateway answers 502, no details
            print(f"[{fn.logical_id}] unhandled {type(exc).__name__}: {exc}", file=sys.stderr)
            return _json(502, {"message": "Internal server error"})
        return _from_lambda(result)

    def sign_in(self, request: Request, issuer: tokens.LocalIssuer) -> Response | None:
        """The development identity provider's routes (local/tokens.py), or None for another path."""
        path, method = request.path, request.method
        if path == "/_local/login" and method == "GET":
            customer = request.args.get("customer_id", "")
            if not customer:
                return _json(400, {"message": "customer_id is required"})
            try:  # a development issuer: expired or foreign-audience tokens on request, for tests
                lifetime = int(request.args.get("expires_in", tokens.LIFETIME_S))
            except ValueError:
                return _json(400, {"message": "expires_in must be an integer"})
            token = issuer.token(customer, lifetime, request.args.get("audience", tokens.AUDIENCE))
            return _json(
                200, {"access_token": token, "token_type": "Bearer", "expires_in": tokens.LIFETIME_S}
            )
        if path == "/_local/authorize" and method in ("GET", "POST"):
            params = dict(request.args if method == "GET" else request.form)
            origin = request.host_url  # the origin this server was reached at: its /portal is registered
            try:
                if method == "GET":
                    issuer.check_authorize(params, origin)
                    return _page(200, tokens.authorize_page(params))
                target = issuer.authorize(params, origin, params.get("customer_id", "").strip())
            except tokens.SignInRefused as refused:
                return _page(400, tokens.authorize_page(params, refused))
            return Response(status=302, headers={"Location": target, **tokens.PAGE_HEADERS})
        if path == "/_local/token" and method == "POST":
            try:
                return _json(200, issuer.exchange(dict(request.form)), {"Cache-Control": "no-store"})
            except tokens.SignInRefused as refused:
                return _json(400, {"error": refused.error, "error_description": str(refused)})
        if path == "/_local/logout" and method == "GET":
            try:
                target = issuer.logout_target(dict(request.args))
            except tokens.SignInRefused as refused:
                return _page(400, tokens.authorize_page({}, refused))
            return Response(status=302, headers={"Location": target})
        return None

    def authorize(self, route: Route, request: Request) -> dict[str, Any] | Response:
        """API Gateway's TOKEN authorizer step: the route's authorizer function (the deployed code)
        gets the Authorization header; "Unauthorized" is 401, a Deny 403, an Allow passes its context."""
        authorizer = self.authorizers[str(route.authorizer)]
        token = request.headers.get("Authorization")
        if not token:
            return _json(401, {"message": "Unauthorized"})
        arn = f"arn:aws:execute-api:us-east-1:000000000000:local/local/{request.method}{request.path}"
        try:
            answer = runtime.invoke(
                authorizer, {"type": "TOKEN", "authorizationToken": token, "methodArn": arn}
            )
        except Exception as exc:
            if str(exc) == "Unauthorized":
                return _json(401, {"message": "Unauthorized"})
            print(f"[{authorizer.logical_id}] unhandled {type(exc).__name__}: {exc}", file=sys.stderr)
            return _json(500, {"message": None})  # API Gateway: AuthorizerConfigurationException
        statements = answer.get("policyDocument", {}).get("Statement", [])
        if not any(s.get("Effect") == "Allow" for s in statements):
            return _json(403, {"message": "User is not authorized to access this resource"})
        return {**(answer.get("context") or {}), "principalId": answer.get("principalId")}


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json", headers=headers)


def _page(status: int, text: str) -> Response:
    return Response(text, status=status, content_type="text/html; charset=utf-8", headers=tokens.PAGE_HEADERS)


def _from_lambda(result: Any) -> Response:
    if not isinstance(result, dict) or "statusCode" not in result:
        return _json(502, {"message": "Internal server error"})
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    headers = Headers()
    for key, value in (result.get("headers") or {}).items():
        headers[key] = str(value)
    for key, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            if str(value) not in headers.getlist(key):
                headers.add(key, str(value))
    # Headers given at construction: werkzeug adds its default text/plain Content-Type otherwise.
    return Response(data, status=int(result["statusCode"]), headers=headers)


class Engine:
    """The DynamoDB the server uses: what the banner says about it, and the JVM it started, if any."""

    def __init__(self, description: str, jvm: dynamodb_local.DynamoDBLocal | None = None) -> None:
        self.description = description
        self.jvm = jvm

    def stop(self) -> None:
        if self.jvm is not None:
            self.jvm.stop()


def start_engine(fresh: bool = False, data: Path = DATA) -> Engine:
    runtime.apply_local_env()
    table = os.environ["TABLE_NAME"]
    endpoint = os.environ.get("DYNAMODB_ENDPOINT_URL")
    if endpoint:
        embedded.create_table(table, endpoint)
        return Engine(f"{endpoint} (DYNAMODB_ENDPOINT_URL)")
    choice = os.environ.get("LOCAL_ENGINE", "ddb").strip().lower()
    if choice not in ("ddb", "moto"):
        raise SystemExit(f"LOCAL_ENGINE must be ddb (DynamoDB Local, the default) or moto, not {choice!r}")
    why_moto = "LOCAL_ENGINE=moto"
    if choice == "ddb":
        if not dynamodb_local.java_available():
            why_moto = "`java` not found, so not DynamoDB Local: install a Java 17+ runtime to use it"
        else:
            if fresh:
                shutil.rmtree(data, ignore_errors=True)
            try:
                jvm = dynamodb_local.start(db_path=data)
            except dynamodb_local.DynamoDBLocalError as exc:
                print(f"[local] {exc}", file=sys.stderr)
                why_moto = "DynamoDB Local did not start (above), so moto"
            else:
                os.environ["DYNAMODB_ENDPOINT_URL"] = jvm.endpoint
                embedded.create_table(table, jvm.endpoint)
                kept = data.relative_to(ROOT) if data.is_relative_to(ROOT) else data
                description = (
                    f"DynamoDB Local at {jvm.endpoint} (pid {jvm.pid}); data kept in {kept}/ across "
                    "restarts, `make run-clean` starts empty"
                )
                for warning in _schema_drift(table, jvm.endpoint):
                    description += f"\n  WARNING: {warning}; `make run-clean` recreates the table"
                return Engine(description, jvm)
    embedded.start(table)
    return Engine(f"embedded moto, in memory ({why_moto})")


def _schema_drift(table: str, endpoint: str) -> list[str]:
    """Differences between a kept table and template.yaml (the template may have changed since)."""
    import boto3

    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name=os.environ["AWS_DEFAULT_REGION"])
    found = client.describe_table(TableName=table)["Table"]
    wanted = table_spec()
    have = {i["IndexName"]: i["KeySchema"] for i in found.get("GlobalSecondaryIndexes", [])}
    want = {i["IndexName"]: i["KeySchema"] for i in wanted.get("GlobalSecondaryIndexes", [])}
    problems = []
    if found["KeySchema"] != wanted["KeySchema"]:
        problems.append(f"the kept table's key schema differs from template.yaml: {found['KeySchema']}")
    if have != want:
        problems.append(f"the kept table's indexes {sorted(have)} differ from template.yaml's {sorted(want)}")
    return problems


def build(
    engine: Engine | None = None, base_url: str = "http://127.0.0.1:3000"
) -> tuple[LocalApi, Background]:
    runtime.apply_local_env()
    issuer = tokens.LocalIssuer(f"{base_url}/_local")
    issuer.configure()
    if engine is None:
        engine = start_engine()
    fns = functions()
    for fn in fns.values():
        runtime.load_handler(fn)  # import errors surface at start, not on the first request
    from wallets import events

    bus = RecordingBus()
    events._client = bus  # the publisher's EventBridge client: record and print instead
    background = Background(
        fns, os.environ["TABLE_NAME"], float(os.environ.get("LOCAL_SCHEDULE_SPEEDUP", "1")), bus
    )
    if engine.jvm is not None and background.pump:
        # Kept data: what earlier runs wrote was published by them (at least once); start after it.
        skipped = background.pump.skip_backlog()
        if skipped:
            engine.description += f"\n  ({skipped} stream records from earlier runs not published again)"
    staff_sessions = staff.Staff()
    staff_sessions.configure()
    return LocalApi(fns, bus, background, issuer, staff_sessions), background


def main(argv: list[str] | None = None) -> None:
    began = time.monotonic()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument(
        "--fresh", action="store_true", help="start DynamoDB Local empty (deletes its data folder first)"
    )
    parser.add_argument(
        "--data", type=Path, default=DATA, help="DynamoDB Local's data folder (default .local/dynamodb-data)"
    )
    args = parser.parse_args(argv)
    engine = start_engine(fresh=args.fresh, data=args.data.resolve())
    # SIGTERM/SIGHUP end the server like Ctrl-C does, so the JVM is stopped below (and at exit).
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)
    try:
        api, background = build(engine, f"http://{args.host}:{args.port}")
        server = make_server(args.host, args.port, api, threaded=True)
        print(
            f"Wallets API on http://{args.host}:{server.server_port}  (table {os.environ['TABLE_NAME']}, "
            f"started in {time.monotonic() - began:.1f}s)"
        )
        print(f"DynamoDB: {engine.description}")
        for route, _ in sorted(api.routes, key=lambda r: (r[0].path, r[0].method)):
            print(f"  {route.method:6} {route.path:55} -> {route.function}")
        for line in background.describe():
            print(line)
        print("  GET    /_local/events  (published events; filters type, wallet_id)")
        print("  GET    /_local/failures  (stream records the publisher gave up on, and their redrive)")
        print("  GET    /_local/login?customer_id=…  (a customer token for the /me routes, RS256)")
        print(
            "  GET    /_local/authorize, POST /_local/token  (the portal's sign-in: code + PKCE, any customer id)"
        )
        print("  GET    /_local/staff-login?user=…&role=viewer|operator  (the dashboard's staff credentials)")
        print("  GET    /docs  (the API reference, from docs/openapi.json; built here when that changed)")
        print("Like `sam local start-api`, this does NOT check IAM (SigV4) signatures.")
        sys.stdout.flush()
        background.start()
        reference.build_in_background(api.reference)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            thread.join()
        background.stopped.set()
        server.shutdown()
    finally:
        engine.stop()


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    main()
