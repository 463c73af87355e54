"""API Gateway TOKEN authorizer of the customer API (/me): verifies the customer's JWT
(wallets.customer_auth). API Gateway answers 401 to "Unauthorized"; it caches no answer (a cached
Allow would outlive the token's exp), so this runs for every /me request."""

from __future__ import annotations

from typing import Any

from wallets import customer_auth
from wallets.observability import logger


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        customer = customer_auth.customer_of(event.get("authorizationToken"))
    except customer_auth.InvalidToken as refused:
        logger.info("customer token refused", extra={"reason": str(refused)})
        raise Exception("Unauthorized") from None  # API Gateway's contract for a 401
    return customer_auth.policy(customer, str(event.get("methodArn", "")))
