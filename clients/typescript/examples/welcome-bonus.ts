/**
 * Welcome bonus: grant $5.00 of promotional credit that expires in 30 days, once per customer (the
 * grant's reference makes a second signup grant nothing more).
 */

import { fromMinor, toMinor, type WalletsClient } from "wallets-client";

import { connect, isMain, newCustomer } from "./_connect.js";

export async function grantWelcomeBonus(client: WalletsClient, customerId: string): Promise<number> {
  const expiresAt = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();
  for (let signup = 0; signup < 2; signup++) {
    // The signup handler runs twice: still one bonus.
    await client.wallets.grantBalance({
      customerId,
      currency: "USD",
      amount: toMinor("5.00", "USD"),
      description: "Welcome bonus",
      reference: "welcome-bonus",
      expires_at: expiresAt,
    });
  }
  const balance = await client.wallets.getBalance(customerId, "USD");
  return balance.amount;
}

if (isMain(import.meta.url)) {
  const amount = await grantWelcomeBonus(connect(), newCustomer("cus_welcome"));
  if (amount !== 500) throw new Error(`expected 500, got ${amount}`);
  console.log(`welcome bonus granted once: balance $${fromMinor(amount, "USD")}`);
}
