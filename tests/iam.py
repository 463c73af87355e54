"""Each function's IAM policy from template.yaml, checked on every AWS call its handler makes.

Installed for the whole test session by conftest: while `runtime.invoke` runs a function, every AWS
request is turned into the IAM actions it needs (a TransactWriteItems needs PutItem, UpdateItem and
ConditionCheckItem for its parts) on the resource it touches (the table, an index, the stream, the
bus, a queue), and refused with `AccessDeniedInTest` unless one of the function's Allow statements
grants it, `dynamodb:LeadingKeys` conditions included. So the whole suite proves the policies are
wide enough; tests/integration/test_least_privilege.py proves they are no wider (every granted
action is one its code calls, or one its event source's poller needs).
"""

from __future__ import annotations

import contextvars
import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import botocore.client

from local import runtime
from local.template import load

# Granted for the Lambda service, not for the code: the runtime writes logs and traces, and an event
# source mapping reads its source with the function's role (and sends failures to its destination).
RUNTIME_ACTIONS = {
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
}
POLLER_ACTIONS = {
    "DynamoDB": {
        ("dynamodb:DescribeStream", "stream"),
        ("dynamodb:GetRecords", "stream"),
        ("dynamodb:GetShardIterator", "stream"),
        ("dynamodb:ListStreams", "stream"),
    },
}
DESTINATION_ACTIONS = {"SQS": ("sqs:SendMessage", "queue")}

CURRENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("iam_function", default=None)
called: dict[str, set[tuple[str, str]]] = {}  # function -> {(action, resource kind)} seen this session
denied: list[str] = []  # refusals since the last check (code that catches every exception hides them)


class AccessDeniedInTest(AssertionError):
    pass


@dataclass(frozen=True)
class Need:
    action: str
    resource: str  # "table" | "index" | "stream" | "bus" | "queue"
    leading_keys: frozenset[str] = frozenset()


@dataclass
class Statement:
    actions: set[str]
    resources: set[str]
    leading_keys: set[str] | None = None  # a ForAllValues:StringEquals dynamodb:LeadingKeys condition

    def allows(self, need: Need) -> bool:
        if not any(fnmatch.fnmatchcase(need.action, a) for a in self.actions):
            return False
        if "*" not in self.resources and need.resource not in self.resources:
            return False
        return self.leading_keys is None or need.leading_keys <= self.leading_keys


@dataclass
class Policy:
    statements: list[Statement] = field(default_factory=list)
    event_source_needs: set[tuple[str, str]] = field(default_factory=set)

    def allows(self, need: Need) -> bool:
        return any(s.allows(need) for s in self.statements)

    def granted(self) -> set[tuple[str, str]]:
        """Every (action, resource kind) granted, minus what the Lambda runtime itself uses."""
        return {
            (action, resource)
            for s in self.statements
            for action in s.actions
            if action not in RUNTIME_ACTIONS
            for resource in s.resources
        }


def _resource_kind(ref: Any, resources: dict[str, Any]) -> str:
    if ref == "*":
        return "*"
    if isinstance(ref, dict) and "Fn::GetAtt" in ref:
        name, attr = ref["Fn::GetAtt"]
        kind = resources[name]["Type"]
        if kind == "AWS::DynamoDB::Table":
            return "stream" if attr == "StreamArn" else "table"
        if kind == "AWS::Events::EventBus":
            return "bus"
        if kind == "AWS::SQS::Queue":
            return "queue"
        if kind == "AWS::Logs::LogGroup":
            return "logs"
    if isinstance(ref, dict) and str(ref.get("Ref", "")).endswith("Arn"):  # an ARN parameter: a secret
        return "secret"
    if (
        isinstance(ref, dict)
        and resources.get(ref.get("Ref", ""), {}).get("Type") == "AWS::SecretsManager::Secret"
    ):
        return "secret"
    if isinstance(ref, dict) and "Fn::Sub" in ref:
        text = ref["Fn::Sub"]
        if text.endswith("/index/*"):
            return "index"
        if text.endswith("/stream/*"):
            return "stream"
    raise ValueError(f"tests/iam.py does not know the resource {ref!r}")


def _statements(document: dict[str, Any], resources: dict[str, Any]) -> Iterator[Statement]:
    for raw in document["Statement"]:
        assert raw["Effect"] == "Allow", "the template grants, it does not deny"
        actions = raw["Action"] if isinstance(raw["Action"], list) else [raw["Action"]]
        refs = raw["Resource"] if isinstance(raw["Resource"], list) else [raw["Resource"]]
        condition = {k: dict(v) for k, v in (raw.get("Condition") or {}).items()}
        keys = condition.pop("ForAllValues:StringEquals", {}).get("dynamodb:LeadingKeys")
        assert not condition, f"tests/iam.py does not evaluate the condition {condition}"
        yield Statement(
            set(actions), {_resource_kind(r, resources) for r in refs}, set(keys) if keys else None
        )


def policy(logical_id: str, template: dict[str, Any] | None = None) -> Policy:
    """What the function's role may do, read from the template (managed and inline policies)."""
    template = template or load()
    resources = template["Resources"]
    props = resources[logical_id]["Properties"]
    out = Policy()
    documents: list[dict[str, Any]] = []
    if "Role" in props:
        role = resources[props["Role"]["Fn::GetAtt"][0]]["Properties"]
        documents += [p["PolicyDocument"] for p in role.get("Policies", [])]
        assert not role.get("ManagedPolicyArns"), "a custom role lists its permissions inline"
    for entry in props.get("Policies") or []:
        if isinstance(entry, dict) and "Fn::If" in entry:  # granted when its condition holds
            entry = entry["Fn::If"][1]
        if isinstance(entry, dict) and "Ref" in entry:
            documents.append(resources[entry["Ref"]]["Properties"]["PolicyDocument"])
        elif isinstance(entry, dict) and "Statement" in entry:
            documents.append(entry)
        else:  # a SAM policy template or an AWS managed policy: its actions are not in the template
            raise ValueError(f"{logical_id}: tests/iam.py cannot read the policy {entry!r}")
    for document in documents:
        out.statements += _statements(document, resources)
    for event in (props.get("Events") or {}).values():
        out.event_source_needs |= POLLER_ACTIONS.get(event["Type"], set())
        destination = event.get("Properties", {}).get("DestinationConfig", {}).get("OnFailure", {})
        if destination:
            out.event_source_needs.add(DESTINATION_ACTIONS[destination["Type"]])
    return out


def _leading_key(body: dict[str, Any]) -> str:
    key = body.get("Key") or body.get("Item") or {}
    return str(next(iter(key.get("pk", {}).values()), ""))


def needs(service: str, operation: str, params: dict[str, Any]) -> list[Need]:
    """The IAM actions one AWS request needs, as AWS authorizes it."""
    if service == "dynamodb":
        if operation == "TransactWriteItems":
            return [
                Need(
                    f"dynamodb:{'ConditionCheckItem' if kind == 'ConditionCheck' else kind + 'Item'}",
                    "table",
                    frozenset({_leading_key(body)}),
                )
                for entry in params["TransactItems"]
                for kind, body in entry.items()
            ]
        if operation == "TransactGetItems":
            return [
                Need("dynamodb:GetItem", "table", frozenset({_leading_key(e["Get"])}))
                for e in params["TransactItems"]
            ]
        if operation == "BatchGetItem":
            keys = {
                str(next(iter(k["pk"].values()))) for t in params["RequestItems"].values() for k in t["Keys"]
            }
            return [Need("dynamodb:BatchGetItem", "table", frozenset(keys))]
        if operation == "Query":
            value: dict[str, Any] = next(iter((params.get("ExpressionAttributeValues") or {}).values()), {})
            return [
                Need(
                    "dynamodb:Query",
                    "index" if params.get("IndexName") else "table",
                    frozenset({str(next(iter(value.values()), ""))}),
                )
            ]
        return [Need(f"dynamodb:{operation}", "table", frozenset({_leading_key(params)}))]
    if service == "dynamodbstreams":
        return [Need(f"dynamodb:{operation}", "stream")]
    if service == "events":
        return [Need(f"events:{operation}", "bus")]
    if service == "sqs":
        return [Need(f"sqs:{operation}", "queue")]
    if service == "secretsmanager":
        return [Need(f"secretsmanager:{operation}", "secret")]
    return [Need(f"{service}:{operation}", "*")]


def install() -> None:
    """Wrap runtime.invoke (to know whose call it is) and botocore's sender (to check it)."""
    if getattr(runtime.invoke, "checks_iam", False):
        return
    invoke, send = runtime.invoke, botocore.client.BaseClient._make_api_call
    policies: dict[str, Policy] = {}

    def invoking(fn: Any, *args: Any, **kwargs: Any) -> Any:
        token = CURRENT.set(fn.logical_id)
        try:
            return invoke(fn, *args, **kwargs)
        finally:
            CURRENT.reset(token)

    def checked(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        function = CURRENT.get()
        if function is not None:
            granted = policies.get(function) or policies.setdefault(function, policy(function))
            for need in needs(self.meta.service_model.service_name, operation_name, api_params):
                if not granted.allows(need):
                    denied.append(
                        f"{function} calls {need.action} on the {need.resource}"
                        + (f" (keys {sorted(need.leading_keys)})" if need.leading_keys else "")
                        + " but its policy in template.yaml does not allow it"
                    )
                    raise AccessDeniedInTest(denied[-1])
                called.setdefault(function, set()).add((need.action, need.resource))
        return send(self, operation_name, api_params)

    invoking.checks_iam = True  # type: ignore[attr-defined]
    runtime.invoke = invoking
    botocore.client.BaseClient._make_api_call = checked
