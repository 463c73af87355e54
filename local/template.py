"""Read template.yaml: the table definition, the functions and their API routes and schedules.

The local runtime and the tests build everything from here, so there is no second hand-written copy
of the table or the routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """Accepts CloudFormation short-form tags (!Ref, !Sub, !GetAtt …) as {"Fn::X": value}."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


@cache
def load(path: Path = TEMPLATE) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_CfnLoader)


@dataclass
class Route:
    function: str
    method: str
    path: str
    authorizer: str | None = None  # a Lambda authorizer of the Api (e.g. CustomerJwt), else IAM


@dataclass
class Function:
    logical_id: str
    code_uri: Path
    handler: str
    environment: dict[str, Any]
    timeout: float = 10.0
    routes: list[Route] = field(default_factory=list)
    schedules: list[dict[str, Any]] = field(default_factory=list)
    streams: list[dict[str, Any]] = field(default_factory=list)
    queues: list[dict[str, Any]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)  # EventBridge rules on the event bus

    @property
    def module_file(self) -> Path:
        return self.code_uri / (self.handler.rsplit(".", 1)[0].replace(".", "/") + ".py")

    @property
    def handler_name(self) -> str:
        return self.handler.rsplit(".", 1)[1]


def functions(template: dict[str, Any] | None = None) -> dict[str, Function]:
    template = template or load()
    globals_fn = template.get("Globals", {}).get("Function", {})
    out: dict[str, Function] = {}
    for logical_id, res in template["Resources"].items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        props = res["Properties"]
        env = {
            **globals_fn.get("Environment", {}).get("Variables", {}),
            **props.get("Environment", {}).get("Variables", {}),
        }
        fn = Function(
            logical_id=logical_id,
            code_uri=ROOT / props["CodeUri"],
            handler=props.get("Handler", globals_fn.get("Handler", "app.lambda_handler")),
            environment=env,
            timeout=float(props.get("Timeout", globals_fn.get("Timeout", 3))),
        )
        for event in (props.get("Events") or {}).values():
            p = event.get("Properties", {})
            if event["Type"] == "Api":
                authorizer = (p.get("Auth") or {}).get("Authorizer")
                fn.routes.append(
                    Route(
                        logical_id,
                        p["Method"].upper(),
                        p["Path"],
                        authorizer if authorizer != "NONE" else None,
                    )
                )
            elif event["Type"] == "ScheduleV2":
                fn.schedules.append(p)
            elif event["Type"] == "DynamoDB":
                fn.streams.append(p)
            elif event["Type"] == "SQS":
                fn.queues.append(p)
            elif event["Type"] == "EventBridgeRule":
                fn.rules.append(p)
        out[logical_id] = fn
    return out


def authorizers(template: dict[str, Any] | None = None) -> dict[str, str]:
    """The Api's Lambda authorizers: name -> the logical id of the function that answers."""
    template = template or load()
    out = {}
    for res in template["Resources"].values():
        if res.get("Type") == "AWS::Serverless::Api":
            for name, spec in ((res["Properties"].get("Auth") or {}).get("Authorizers") or {}).items():
                out[name] = spec["FunctionArn"]["Fn::GetAtt"][0]
    return out


def table_spec(template: dict[str, Any] | None = None) -> dict[str, Any]:
    """create_table arguments for the template's table (on-demand, streams, indexes)."""
    template = template or load()
    tables = [r for r in template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"]
    if len(tables) != 1:
        raise ValueError("template.yaml must define exactly one DynamoDB table")
    props = tables[0]["Properties"]
    spec: dict[str, Any] = {
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if props.get("GlobalSecondaryIndexes"):
        spec["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if props.get("StreamSpecification"):
        spec["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    return spec


def ttl_attribute(template: dict[str, Any] | None = None) -> str | None:
    template = template or load()
    for r in template["Resources"].values():
        if r["Type"] == "AWS::DynamoDB::Table":
            ttl = r["Properties"].get("TimeToLiveSpecification") or {}
            return ttl.get("AttributeName") if ttl.get("Enabled") else None
    return None
