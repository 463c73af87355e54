"""What template.yaml promises about who may call what and where failures go, read from the template."""

from __future__ import annotations

import json
import re
from typing import Any

from local.template import functions, load

TEMPLATE = load()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
FUNCTIONS = functions(TEMPLATE)


def test_callers_need_no_lambda_permissions() -> None:
    api = RESOURCES["WalletsApi"]["Properties"]
    assert api["Auth"] == {**api["Auth"], "DefaultAuthorizer": "AWS_IAM", "InvokeRole": "NONE"}
    assert api["EndpointConfiguration"] == {"Type": "REGIONAL"}


def test_webhooks_are_signed_by_a_function_fed_one_wallet_at_a_time() -> None:
    # GIVEN the webhook's resources (all of them only when WebhookUrl is set)
    webhook = [name for name in RESOURCES if "Webhook" in name and name != "StripeWebhookFunction"]
    assert webhook and all(RESOURCES[name].get("Condition") == "WebhookOn" for name in webhook)
    # THEN no secret is a parameter: the stack makes its own, in Secrets Manager
    assert "WebhookSecret" not in TEMPLATE["Parameters"]
    assert not any(p.get("NoEcho") for p in TEMPLATE["Parameters"].values())
    url = re.compile(TEMPLATE["Parameters"]["WebhookUrl"]["AllowedPattern"])
    assert url.fullmatch("") and url.fullmatch("https://x.test/hook") and not url.fullmatch("http://x.test")
    # AND every event goes to a FIFO queue, one message group per wallet (a dynamic path parameter)
    (target,) = RESOURCES["WebhookRule"]["Properties"]["Targets"]
    assert RESOURCES["WebhookRule"]["Properties"]["EventPattern"] == {"source": ["wallets"]}
    queue = target["Arn"]["Fn::GetAtt"][0]
    assert RESOURCES[queue]["Properties"]["FifoQueue"] is True
    assert target["SqsParameters"] == {"MessageGroupId": "$.detail.wallet_id"}
    # AND one function reads it a message at a time (a group is held while its message is in flight)
    (reader,) = [fn for fn in FUNCTIONS.values() for q in fn.queues if q["Queue"] == target["Arn"]]
    (source,) = reader.queues
    assert source["BatchSize"] == 1 and source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # AND it signs with the stack's secret, the one thing besides its queue it may touch
    env = RESOURCES[reader.logical_id]["Properties"]["Environment"]["Variables"]
    assert RESOURCES[env["WEBHOOK_SECRET_ARN"]["Ref"]]["Type"] == "AWS::SecretsManager::Secret"
    assert env["WEBHOOK_QUEUE_URL"] == {"Ref": queue}
    (policy,) = RESOURCES[reader.logical_id]["Properties"]["Policies"]
    assert {(s["Action"], json.dumps(s["Resource"])) for s in policy["Statement"]} == {
        ("secretsmanager:GetSecretValue", json.dumps(env["WEBHOOK_SECRET_ARN"])),
        ("sqs:ChangeMessageVisibility", json.dumps({"Fn::GetAtt": [queue, "Arn"]})),
    }


def test_webhook_deliveries_are_retried_for_a_day_then_kept_and_alarmed() -> None:
    from wallets import webhooks

    (target,) = RESOURCES["WebhookRule"]["Properties"]["Targets"]
    queue = RESOURCES[target["Arn"]["Fn::GetAtt"][0]]["Properties"]
    (reader,) = [fn for fn in FUNCTIONS.values() for q in fn.queues if q["Queue"] == target["Arn"]]
    # GIVEN the deliverer's backoff, which it sets on each failed message
    # THEN the queue allows exactly its attempts, spanning at least 24 hours
    assert queue["RedrivePolicy"]["maxReceiveCount"] == webhooks.ATTEMPTS
    assert sum(webhooks.RETRY_DELAYS_S) >= 86_400
    assert max(webhooks.RETRY_DELAYS_S) <= 43_200  # SQS's longest visibility timeout
    assert queue["MessageRetentionPeriod"] > sum(webhooks.RETRY_DELAYS_S)
    assert queue["VisibilityTimeout"] >= 6 * reader.timeout  # a crashed attempt is retried, not lost
    # AND what fails every attempt is kept in a FIFO dead-letter queue
    dead = queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert RESOURCES[dead]["Properties"]["FifoQueue"] is True
    # AND what EventBridge cannot put on the queue is kept in the rule's own dead-letter queue
    rule_dead = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    # AND EventBridge may send to both (as itself, for this rule only)
    (policy,) = [
        r["Properties"]
        for r in RESOURCES.values()
        if r["Type"] == "AWS::SQS::QueuePolicy" and {"Ref": rule_dead} in r["Properties"]["Queues"]
    ]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert {json.dumps(r) for r in statement["Resource"]} == {
        json.dumps(target["Arn"]),
        json.dumps({"Fn::GetAtt": [rule_dead, "Arn"]}),
    }
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["WebhookRule", "Arn"]}}}
    # AND one alarm fires on either dead-letter queue
    alarm = repr(RESOURCES["WebhookDeadLetterAlarm"]["Properties"])
    assert f"'{dead}', 'QueueName'" in alarm and f"'{rule_dead}', 'QueueName'" in alarm
    assert RESOURCES["WebhookDeadLetterAlarm"]["Properties"]["Threshold"] == 0


def test_every_dead_letter_and_failure_queue_is_alarmed() -> None:
    queues = [name for name, r in RESOURCES.items() if r["Type"] == "AWS::SQS::Queue"]
    text = repr([r for r in RESOURCES.values() if r["Type"] == "AWS::CloudWatch::Alarm"])
    assert [q for q in queues if f"'{q}', 'QueueName'" not in text] == []


def test_what_holds_data_outlives_the_stack() -> None:
    kept = {"AWS::Logs::LogGroup", "AWS::SQS::Queue", "AWS::DynamoDB::Table"}
    for name, r in RESOURCES.items():
        if r["Type"] in kept:
            assert (r.get("DeletionPolicy"), r.get("UpdateReplacePolicy")) == ("Retain", "Retain"), name
    table = next(r["Properties"] for r in RESOURCES.values() if r["Type"] == "AWS::DynamoDB::Table")
    assert table["DeletionProtectionEnabled"] is True
    condition, with_key, _ = table["SSESpecification"]["Fn::If"]
    assert condition == "TableKeyGiven"
    assert with_key["KMSMasterKeyId"] == {"Ref": "TableKmsKeyArn"} and with_key["SSEType"] == "KMS"


def test_money_routes_are_throttled_tighter_than_the_stage() -> None:
    settings = RESOURCES["WalletsApi"]["Properties"]["MethodSettings"]
    stage = next(s for s in settings if s["ResourcePath"] == "/*")
    webhook = next(s for s in settings if s["ResourcePath"] == "/~1webhooks~1stripe")
    money = {s["ResourcePath"]: s for s in settings if s not in (stage, webhook)}
    posts = {
        route.path
        for fn in FUNCTIONS.values()
        for route in fn.routes
        if route.method == "POST" and route.path.rsplit("/", 1)[-1] in MONEY_VERBS
    }
    assert {"/" + p.replace("/", "~1") for p in posts} == set(money)  # API Gateway's path encoding
    for s in money.values():
        assert s["ThrottlingRateLimit"] < stage["ThrottlingRateLimit"]
        assert s["ThrottlingBurstLimit"] < stage["ThrottlingBurstLimit"]
    # The one unauthenticated route is throttled hardest.
    assert webhook["ThrottlingRateLimit"] < min(s["ThrottlingRateLimit"] for s in money.values())


def test_only_the_stripe_webhook_is_outside_iam_auth_and_prod_refuses_the_sandbox() -> None:
    open_routes = [
        (name, event["Properties"]["Path"])
        for name, res in RESOURCES.items()
        if res["Type"] == "AWS::Serverless::Function"
        for event in (res["Properties"].get("Events") or {}).values()
        if event["Type"] == "Api" and event["Properties"].get("Auth", {}).get("Authorizer") == "NONE"
    ]
    assert sorted(open_routes) == [
        ("DashboardFunction", "/dashboard"),  # a static page: its data comes from the IAM API
        ("DashboardFunction", "/dashboard/{asset}"),
        ("PortalFunction", "/portal"),  # a static page: its data comes from /me, behind the token
        ("PortalFunction", "/portal/{asset}"),
        ("StripeWebhookFunction", "/webhooks/stripe"),
    ]
    # The customer API, and only it, is behind the customers' JWT instead of IAM.
    by_token = {
        event["Properties"]["Path"]
        for res in RESOURCES.values()
        if res["Type"] == "AWS::Serverless::Function"
        for event in (res["Properties"].get("Events") or {}).values()
        if event["Type"] == "Api" and event["Properties"].get("Auth", {}).get("Authorizer") == "CustomerJwt"
    }
    assert by_token and all(path.startswith("/me/") for path in by_token)
    rule = TEMPLATE["Rules"]["ProdTakesRealPayments"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    assert rule["Assertions"][0]["Assert"] == {"Fn::Equals": [{"Ref": "PaymentGateway"}, "stripe"]}
    # Only the functions that call Stripe may read its secrets.
    readers = {
        name
        for name, res in RESOURCES.items()
        if res["Type"] == "AWS::Serverless::Function"
        and any("StripeSecretsPolicy" in str(p) for p in res["Properties"].get("Policies") or [])
    }
    assert readers == {
        "TopUpWalletFunction",
        "AutoTopUpFunction",
        "StripeWebhookFunction",
        "DebitWalletFunction",  # remainder charges
        "CloseWalletFunction",  # refunds to the original payments
        "SetupPaymentMethodFunction",  # saved cards
        "MeTopUpFunction",  # the customer API: adding funds
        "MeSetupPaymentMethodFunction",  # and saving a card
    }


MONEY_VERBS = {
    "credits",
    "debits",
    "voids",
    "adjustments",
    "redemptions",
    "holds",
    "capture",
    "release",
    "refunds",
    "top-ups",
}


def test_every_request_is_logged_with_its_caller_and_kept() -> None:
    logging = RESOURCES["WalletsApi"]["Properties"]["AccessLogSetting"]
    group = RESOURCES[logging["DestinationArn"]["Fn::GetAtt"][0]]
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    fields = json.loads(logging["Format"])
    assert {"requestId", "caller", "route", "status", "latencyMs"} <= set(fields)
    assert fields["caller"] == "$context.identity.userArn"


def test_the_publisher_reads_only_the_tables_stream() -> None:
    fn = RESOURCES["PublishEventsFunction"]["Properties"]
    role = RESOURCES[fn["Role"]["Fn::GetAtt"][0]]["Properties"]
    assert "ManagedPolicyArns" not in role  # not AWSLambdaDynamoDBExecutionRole: every stream
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    reads = next(s for s in statements if "dynamodb:GetRecords" in s["Action"])
    assert reads["Resource"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    assert all(
        s["Resource"] != "*" for s in statements if any(a.startswith("dynamodb:") for a in s["Action"])
    )


def test_reconcile_writes_only_its_checkpoint() -> None:
    policies = RESOURCES["ReconcileFunction"]["Properties"]["Policies"]
    assert {"Ref": "TablePutItemPolicy"} not in policies
    (write,) = [s for p in policies if isinstance(p, dict) and "Statement" in p for s in p["Statement"]]
    assert write["Action"] == "dynamodb:PutItem"
    assert write["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["JOB#reconcile"]}}


def _holds(condition: Any, parameters: dict[str, str]) -> Any:
    """Evaluates a rule's condition (Fn::Equals, Fn::Not, Fn::And, Ref) for these parameter values."""
    if isinstance(condition, str):
        return condition
    [(function, argument)] = condition.items()
    if function == "Ref":
        return parameters[argument]
    values = [_holds(a, parameters) for a in argument]
    if function == "Fn::Equals":
        return values[0] == values[1]
    if function == "Fn::Not":
        return not values[0]
    if function == "Fn::And":
        return all(values)
    raise AssertionError(f"unknown rule function {function}")


def _refused_by(overrides: str) -> list[str]:
    """The template's rules that refuse a deploy with these `parameter_overrides` (CloudFormation's check)."""
    parameters = {name: str(p.get("Default", "")) for name, p in TEMPLATE["Parameters"].items()}
    parameters.update(dict(pair.split("=", 1) for pair in overrides.split()))
    return [
        name
        for name, rule in TEMPLATE["Rules"].items()
        if _holds(rule.get("RuleCondition", {"Fn::Equals": ["", ""]}), parameters)
        and not all(_holds(a["Assert"], parameters) for a in rule["Assertions"])
    ]


def test_each_samconfig_environment_deploys_as_the_readme_says() -> None:
    import tomllib

    from local.template import ROOT

    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    # GIVEN each environment's parameters as samconfig.toml sets them
    dev = config["default"]["deploy"]["parameters"]["parameter_overrides"]
    prod = config["prod"]["deploy"]["parameters"]["parameter_overrides"]
    # THEN dev deploys as it is (the sandbox gateway)
    assert _refused_by(dev) == []
    # AND prod takes real payments, needing only the two secrets README "Deploy" tells you to add
    assert "PaymentGateway=stripe" in prod.split()
    assert _refused_by(prod) == ["StripeNeedsItsSecrets"]
    arns = " StripeSecretKeyArn=arn:aws:secretsmanager:us-east-1:1:secret:k StripeWebhookSecretArn=arn:aws:secretsmanager:us-east-1:1:secret:w"
    assert _refused_by(prod + arns) == []
