/**
 * Display balances in a UI: every currency's available balance as the API formats it, and the
 * credit about to expire, for a customer's account page.
 */

import type { WalletsClient } from "wallets-client";

import { connect, isMain, newCustomer } from "./_connect.js";

export async function accountPage(client: WalletsClient, customerId: string): Promise<string[]> {
  await client.wallets.grantBalance({ customerId, currency: "USD", amount: 1250 });
  await client.wallets.grantBalance({
    customerId,
    currency: "EUR",
    amount: 990,
    expires_at: new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString(),
  });
  const lines: string[] = [];
  for (const balance of (await client.wallets.listBalances(customerId)).data) {
    const wallet = await client.wallets.retrieve(balance.wallet_id);
    let line = `${balance.currency}: ${balance.available_formatted} available`;
    if (wallet.expiring_soon) line += ` (${wallet.expiring_soon_formatted} expires soon)`;
    lines.push(line);
  }
  return lines.sort();
}

if (isMain(import.meta.url)) {
  console.log((await accountPage(connect(), newCustomer("cus_ui"))).join("\n"));
}
