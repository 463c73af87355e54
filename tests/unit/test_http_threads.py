"""One resolver, two requests at once in two threads (the local server and the threaded race tests
do this; Lambda never does): each request sees its own event and context, never the other's.
Powertools keeps the current event on its router class, shared by every resolver in the process."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from wallets.http import build_resolver

from local import runtime


def test_two_requests_at_once_in_one_process_each_see_their_own_event() -> None:
    app = build_resolver()
    inside = threading.Barrier(2)

    @app.get("/echo/<name>")
    def echo(name: str) -> dict[str, Any]:
        seen_first = app.current_event.path
        inside.wait(timeout=10)  # both requests are in their handler now
        return {"name": name, "first": seen_first, "then": app.current_event.path}

    other = build_resolver()  # another function's resolver in the same process

    @other.get("/other")
    def other_route() -> dict[str, Any]:
        return {}

    def request(name: str) -> Any:
        return app.resolve(runtime.api_event("GET", f"/echo/{name}"), None)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(request, ["a", "b"]))
    other.resolve(runtime.api_event("GET", "/other"), None)
    assert [a["statusCode"] for a in answers] == [200, 200], answers
    import json

    bodies = [json.loads(a["body"]) for a in answers]
    assert bodies == [
        {"name": "a", "first": "/echo/a", "then": "/echo/a"},
        {"name": "b", "first": "/echo/b", "then": "/echo/b"},
    ]
