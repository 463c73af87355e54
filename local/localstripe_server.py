"""localstripe, with the Stripe behaviours this service relies on that localstripe 1.15 lacks.

Run with the localstripe virtualenv's Python (`make localstripe`, and the Stripe tests):

    .venv-localstripe/bin/python local/localstripe_server.py --port 8420 --from-scratch

Each patch makes localstripe do what Stripe documents, nothing more:

- **Idempotency-Key**: a POST repeated with the same key answers the first response and does nothing
  again (Stripe keeps keys 24 hours; here, for the life of the process).
- **Off-session confirmation**: `POST /v1/payment_intents/{id}/confirm` accepts `off_session`. A card
  that needs authentication is then declined with `authentication_required` (402, the PaymentIntent
  back to `requires_payment_method`), unless it was saved with a SetupIntent and only asks for
  authentication on session (4000002500003155).
- **Saved cards**: a SetupIntent that succeeds attaches its payment method to its customer and sends
  `setup_intent.succeeded`; one that needs 3-D Secure is finished with
  `POST /v1/setup_intents/{id}/_authenticate` (client_secret, success), as localstripe's
  PaymentIntents are.
- **Refunds**: more than what is left of a charge is refused (400), and a refund sends
  `charge.refunded`.

It listens on 127.0.0.1 only (localstripe's own `start()` binds `::`, every interface).

This file runs in localstripe's own virtualenv and imports nothing from the service.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from localstripe import resources
from localstripe.errors import UserError
from localstripe.webhooks import schedule_webhook

ALWAYS_AUTHENTICATE = "4000002760003184"  # Stripe's "authentication required on all transactions"
SETUP_ONCE = "4000002500003155"  # Stripe's "authentication unless the card was set up for later"

_replies: dict[tuple[str, str, str], tuple[int, bytes, str]] = {}


@web.middleware
async def idempotency(request: web.Request, handler: Any) -> web.StreamResponse:
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key:
        return await handler(request)
    slot = (request.headers.get("Authorization", ""), request.path, key)
    if slot in _replies:
        status, body, content_type = _replies[slot]
        return web.Response(status=status, body=body, content_type=content_type)
    response = await handler(request)
    if isinstance(response, web.Response) and response.status < 500 and response.body is not None:
        body = response.body if isinstance(response.body, bytes) else str(response.body).encode()
        _replies[slot] = (response.status, body, response.content_type)
    return response


_confirm = resources.PaymentIntent._api_confirm.__func__


def _needs_authentication_off_session(intent: Any) -> bool:
    method = resources.PaymentMethod._api_retrieve(intent.payment_method)
    if not method._requires_authentication():
        return False
    saved = getattr(method, "customer", None) is not None
    return not (saved and getattr(method, "_card_number", "") == SETUP_ONCE)


def confirm(cls: Any, id: str, off_session: Any = None, **kwargs: Any) -> Any:
    off = resources.try_convert_to_bool(off_session) if off_session is not None else False
    if off:
        intent = cls._api_retrieve(id)
        if intent.status == "requires_confirmation" and _needs_authentication_off_session(intent):
            intent.payment_method = None
            intent._off_session_declined = True
            schedule_webhook(resources.Event("payment_intent.payment_failed", intent))
            raise UserError(
                402,
                "This payment requires authentication by the customer.",
                {"type": "card_error", "code": "authentication_required", "payment_intent": {"id": id}},
            )
    return _confirm(cls, id, **kwargs)


_last_payment_error = resources.PaymentIntent.last_payment_error


def last_payment_error(self: Any) -> Any:
    if getattr(self, "_off_session_declined", False) and self.payment_method is None:
        return {
            "code": "authentication_required",
            "decline_code": "authentication_required",
            "message": "This payment requires authentication by the customer.",
        }
    return _last_payment_error.fget(self)


_setup_confirm = resources.SetupIntent._api_confirm.__func__


def announce_setup(intent: Any) -> None:
    """A SetupIntent that succeeded: its card is attached to its customer, and Stripe says so once."""
    if intent.status != "succeeded" or getattr(intent, "_announced", False):
        return
    intent._announced = True
    if intent.customer and intent.payment_method:
        resources.PaymentMethod._api_retrieve(intent.payment_method).customer = intent.customer
    schedule_webhook(resources.Event("setup_intent.succeeded", intent))


def setup_confirm(cls: Any, id: str, **kwargs: Any) -> Any:
    intent = _setup_confirm(cls, id, **kwargs)
    announce_setup(intent)
    return intent


def authenticate_setup(id: str, client_secret: Any = None, success: Any = False, **kwargs: Any) -> Any:
    intent = resources.SetupIntent._api_retrieve(id)
    if client_secret != intent.client_secret:
        raise UserError(401, "Unauthorized")
    if intent.status != "requires_action":
        raise UserError(400, "Bad request")
    intent.next_action = None
    if resources.try_convert_to_bool(success):
        intent.status = "succeeded"
        announce_setup(intent)
    else:
        intent.status, intent.payment_method = "requires_payment_method", None
    return intent


_refund_init = resources.Refund.__init__


def refund_init(
    self: Any, charge: Any = None, payment_intent: Any = None, amount: Any = None, **kw: Any
) -> None:
    charge_id = charge
    if payment_intent is not None and charge is None:
        intent = resources.PaymentIntent._api_retrieve(payment_intent)
        charge_id = intent.latest_charge.id if intent.latest_charge is not None else None
    if charge_id is not None:
        charged = resources.Charge._api_retrieve(charge_id)
        wanted = resources.try_convert_to_int(amount) if amount is not None else None
        left = charged.amount - charged.amount_refunded
        if left <= 0 or (wanted is not None and isinstance(wanted, int) and wanted > left):
            raise UserError(
                400,
                f"Refund amount ({wanted or charged.amount}) is greater than unrefunded amount on charge ({left})",
                {"code": "charge_already_refunded" if left <= 0 else "amount_too_large"},
            )
    _refund_init(self, charge=charge, payment_intent=payment_intent, amount=amount, **kw)
    if charge_id is not None:
        schedule_webhook(resources.Event("charge.refunded", resources.Charge._api_retrieve(charge_id)))


def patch() -> Any:
    """Patch localstripe's resources, then import its server (which binds the routes at import)."""
    resources.PaymentIntent._api_confirm = classmethod(confirm)
    resources.PaymentIntent.last_payment_error = property(last_payment_error)
    resources.SetupIntent._api_confirm = classmethod(setup_confirm)
    resources.Refund.__init__ = refund_init
    # The routes were registered with the original functions: point them at the patched ones.
    for index, (method, path, _func) in enumerate(resources.extra_apis):
        if path == "/v1/payment_intents/{id}/confirm":
            resources.extra_apis[index] = (method, path, resources.PaymentIntent._api_confirm)
        if path == "/v1/setup_intents/{id}/confirm":
            resources.extra_apis[index] = (method, path, resources.SetupIntent._api_confirm)
    resources.extra_apis.append(("POST", "/v1/setup_intents/{id}/_authenticate", authenticate_setup))
    from localstripe import server

    server.app.middlewares.insert(1, idempotency)
    return server


def serve(argv: list[str] | None = None) -> None:
    """localstripe's `start()` with the same options, listening on loopback only."""
    import argparse
    import logging

    server = patch()
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--from-scratch", action="store_true")
    args = parser.parse_args(argv)
    if not args.from_scratch:
        server.store.try_load_from_disk()
    access = logging.getLogger("aiohttp.access")
    access.setLevel(logging.DEBUG)
    access.addHandler(logging.StreamHandler())
    web.run_app(server.app, host="127.0.0.1", port=args.port, access_log=access)


if __name__ == "__main__":
    serve()
