"""Runtime configuration: one validated model, read from the environment on first use (never at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Settings:
    table_name: str
    region: str
    dynamodb_endpoint_url: str | None
    event_bus_name: str
    payment_gateway: str
    idempotency_ttl_hours: int
    top_up_recovery_after_seconds: int
    top_up_action_timeout_seconds: int  # how long a customer has to finish 3-D Secure
    webhook_url: str | None = None  # where signed webhooks go (functions/deliver_webhooks)
    webhook_queue_url: str | None = None  # the FIFO queue they wait on between attempts

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        table = env.get("TABLE_NAME", "").strip()
        if not table:
            raise RuntimeError("TABLE_NAME is not set")
        ttl = int(env.get("IDEMPOTENCY_TTL_HOURS", "48"))
        if ttl < 24:
            raise RuntimeError("IDEMPOTENCY_TTL_HOURS must be at least 24")
        return cls(
            table_name=table,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            dynamodb_endpoint_url=env.get("DYNAMODB_ENDPOINT_URL") or None,
            event_bus_name=env.get("EVENT_BUS_NAME", "default"),
            payment_gateway=env.get("PAYMENT_GATEWAY", "sandbox"),
            idempotency_ttl_hours=ttl,
            top_up_recovery_after_seconds=int(env.get("TOP_UP_RECOVERY_AFTER_SECONDS", "60")),
            top_up_action_timeout_seconds=int(env.get("TOP_UP_ACTION_TIMEOUT_SECONDS", "3600")),
            webhook_url=env.get("WEBHOOK_URL") or None,
            webhook_queue_url=env.get("WEBHOOK_QUEUE_URL") or None,
        )


@cache
def get_settings() -> Settings:
    return Settings.from_env()


def reload() -> Settings:
    get_settings.cache_clear()
    return get_settings()
