/**
 * A wallet's life with Xtopay's calls: create it (once per customer and currency), retrieve it by id
 * or by customer, credit it, freeze it (payments refused, credits still taken), unfreeze it, and
 * close it for good (non-withdrawable credit forfeited, the withdrawable cash reported as due).
 */

import { WalletFrozenError, type WalletsClient } from "wallets-client";

import { connect, isMain, newCustomer } from "./_connect.js";

export async function walletLifecycle(client: WalletsClient, customerId: string): Promise<string[]> {
  const steps: string[] = [];
  const wallet = await client.wallets.create({ customer_id: customerId, currency: "EUR", metadata: { plan: "pro" } });
  const again = await client.wallets.create({ customer_id: customerId, currency: "EUR" });
  steps.push(`created ${again.id === wallet.id ? "once" : "twice"}`);
  const byCustomer = await client.wallets.retrieveByCustomer(customerId, "EUR");
  steps.push(`retrieved by customer: ${byCustomer.id === wallet.id}`);

  await client.wallets.credit(wallet.id, { amount: 2500, funding_type: "cash", description: "Deposit" });
  await client.wallets.credit(wallet.id, { amount: 500, funding_type: "promotional", description: "Bonus" });
  steps.push(`credited: ${(await client.wallets.retrieve(wallet.id)).balance_formatted}`);

  const frozen = await client.wallets.freeze(wallet.id);
  steps.push(`status: ${frozen.status}`);
  try {
    await client.wallets.debit(wallet.id, { amount: 100 });
  } catch (error) {
    if (!(error instanceof WalletFrozenError)) throw error;
    steps.push(`debit refused: ${error.status} ${error.type}`);
  }
  await client.wallets.credit(wallet.id, { amount: 100, funding_type: "cash", description: "Still taken" });
  steps.push(`status: ${(await client.wallets.unfreeze(wallet.id)).status}`);

  const closed = await client.wallets.close(wallet.id);
  steps.push(`status: ${closed.status}, refund due: ${closed.closing_transaction?.refund_due ?? 0}`);
  return steps;
}

if (isMain(import.meta.url)) {
  console.log((await walletLifecycle(connect(), newCustomer("cus_xtopay"))).join("\n"));
}
