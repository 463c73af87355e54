"""Powertools Logger, Metrics and Tracer shared by every function (configured by POWERTOOLS_* env)."""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="wallets")
metrics = Metrics(namespace="Wallets", service="wallets")
tracer = Tracer(service="wallets")

# Read-only requests publish no metric; that is expected, not worth a warning per invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish")
