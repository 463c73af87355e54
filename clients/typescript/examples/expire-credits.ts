/**
 * Expire credits: a promotion's credit is granted with an expiry; once it passes, the credit is
 * neither shown nor spent (balances are computed as of now, whether or not the expiry sweep has
 * run yet), while credit without an expiry stays. The lots show what expires when.
 */

import type { WalletsClient } from "wallets-client";

import { connect, isMain, newCustomer } from "./_connect.js";

export async function expirePromotion(
  client: WalletsClient,
  customerId: string,
  lifetimeMs: number,
): Promise<{ lotsBefore: string[]; amountAfter: number }> {
  const expiresAt = new Date(Date.now() + lifetimeMs);
  await client.wallets.grantBalance({ customerId, currency: "USD", amount: 1000, funding_type: "cash" });
  const promo = await client.wallets.grantBalance({
    customerId,
    currency: "USD",
    amount: 500,
    description: "Flash sale credit",
    expires_at: expiresAt.toISOString(),
  });
  const lots = await client.lots.list(promo.wallet_id);
  const lotsBefore = lots.data.map((lot) => `${lot.remaining_formatted} ${lot.funding_type} expires ${lot.expires_at ?? "never"}`);
  // Wait for the promotion to end (a real application would simply read the balance later).
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt.getTime() - Date.now()) + 50));
  const after = await client.wallets.getBalance(customerId, "USD");
  return { lotsBefore, amountAfter: after.amount };
}

if (isMain(import.meta.url)) {
  const { lotsBefore, amountAfter } = await expirePromotion(connect(), newCustomer("cus_promo"), 2000);
  console.log(lotsBefore.join("\n"));
  console.log(`after the promotion: ${amountAfter}`); // 1000: the cash stays, the promotion is gone
}
