"""Powertools Logger and Metrics shared by every function (configured by POWERTOOLS_* env).

No Powertools Tracer: it imports the X-Ray SDK at construction, ~100 ms of every cold start (the
cold-import budget is 1.5x a bare boto3 client). Lambda and API Gateway active tracing, on in the
template, still record each invocation. See docs/decisions.md.
"""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="wallets")
metrics = Metrics(namespace="Wallets", service="wallets")

# Read-only requests publish no metric; that is expected, not worth a warning per invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish")
