/**
 * The public types, checked when the tests compile (`npm test` runs tsc first): a wrong body, a
 * missing path parameter or an unknown currency is a compile error, and answers are typed.
 */

import assert from "node:assert/strict";
import { it } from "node:test";

import type { Balance, Currency, Transaction, WalletsClient, Wallet, WithResponse } from "wallets-client";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type IsAny<T> = 0 extends 1 & T ? true : false;
function expectType<T extends true>(_: T): void {}

// Compile-only: never called.
export async function typed(client: WalletsClient): Promise<void> {
  const balance = await client.wallets.getBalance("cus_1", "USD");
  expectType<Equal<typeof balance, WithResponse<Balance>>>(true);
  expectType<Equal<typeof balance.amount, number>>(true);
  expectType<Equal<IsAny<typeof balance>, false>>(true);
  expectType<Equal<IsAny<typeof balance.lastResponse.idempotentReplayed>, false>>(true);
  const wallet: Wallet = await client.wallets.create({ customer_id: "cus_1", currency: "USD", metadata: { plan: "pro" } });
  const txn: Transaction = await client.wallets.credit(wallet.id, { amount: 100 });
  void txn;
  // @ts-expect-error: not a currency of the document
  await client.wallets.getBalance("cus_1", "XXX");
  // @ts-expect-error: amount is required
  await client.wallets.credit(wallet.id, {});
  // @ts-expect-error: amounts are numbers of minor units, not strings
  await client.wallets.grantBalance({ customerId: "c", currency: "USD", amount: "5.00" });
  // @ts-expect-error: a route parameter cannot be left out
  await client.request("get", "/wallets/{wallet_id}", {});
  const lots = await client.request("get", "/wallets/{wallet_id}/lots", { params: { wallet_id: wallet.id } });
  expectType<Equal<(typeof lots.data)[number]["remaining"], number>>(true);
  const topUps = await client.topUps.listPage(wallet.id, { status: "failed", limit: 10 });
  expectType<Equal<(typeof topUps.data)[number]["status"], "pending" | "succeeded" | "failed" | "refunding" | "refunded">>(true);
  // @ts-expect-error: not a status of a top-up
  await client.topUps.listPage(wallet.id, { status: "expired" });
  // @ts-expect-error: no such route in the document
  await client.request("get", "/nowhere", {});
  const usd: Currency = "USD";
  void usd;
}

it("compiles (the checks above are the compiler's)", () => {
  assert.equal(typeof typed, "function");
});
