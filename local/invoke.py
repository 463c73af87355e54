"""`make invoke FUNCTION=<LogicalId> EVENT=events/<file>.json`: like `sam local invoke -e`, no Docker.

Runs the function in-process against DynamoDB at DYNAMODB_ENDPOINT_URL, or an embedded one seeded
with the demo wallet the sample events name (wal_01JDEMQ…, customer cus_demo, USD 50.00 cash).
Prints the function's result as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from local import runtime
from local.template import functions

DEMO_WALLET_ID = "wal_01JDEMQ0000000000000000000"


def seed_demo_wallet() -> None:
    from wallets import clock, codes, ledger, repository
    from wallets.wallet import Wallet

    now = clock.now_ms()
    wallet = Wallet.open("cus_demo", "USD", now)
    wallet.id = DEMO_WALLET_ID
    ledger.run(lambda: wallet, lambda work, at: ledger.Outcome(201, {}), new_wallet=True)
    ledger.credit(DEMO_WALLET_ID, 5000, "cash", None, "demo funds", None, {}, None)
    codes.create({"USD": 500}, code="DEMO-CODE-2026", description="demo code")
    repository.get_wallet(DEMO_WALLET_ID)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("function", help="logical id in template.yaml, e.g. GetWalletFunction")
    parser.add_argument("event", help="path of the event JSON, e.g. events/get_wallet.json")
    args = parser.parse_args(argv)
    runtime.apply_local_env()
    fns = functions()
    if args.function not in fns:
        print(f"unknown function {args.function}; one of: {', '.join(sorted(fns))}", file=sys.stderr)
        return 2
    with open(args.event, encoding="utf-8") as fh:
        event = json.load(fh)
    from local import embedded

    if os.environ.get("DYNAMODB_ENDPOINT_URL"):
        embedded.create_table(os.environ["TABLE_NAME"], os.environ["DYNAMODB_ENDPOINT_URL"])
    else:
        embedded.start(os.environ["TABLE_NAME"])
        seed_demo_wallet()
    result = runtime.invoke(fns[args.function], event)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
