/**
 * Referral credits for both sides: the referrer and the new customer each get $10.00, and neither
 * is paid twice for the same referral (one reference per referral on each wallet).
 */

import type { WalletsClient } from "wallets-client";

import { connect, isMain, newCustomer } from "./_connect.js";

export async function rewardReferral(
  client: WalletsClient,
  referrer: string,
  referred: string,
  referralId: string,
): Promise<[number, number]> {
  for (const customerId of [referrer, referred]) {
    await client.wallets.grantBalance({
      customerId,
      currency: "USD",
      amount: 1000,
      description: `Referral ${referralId}`,
      reference: `referral-${referralId}`,
    });
  }
  const [a, b] = await Promise.all([
    client.wallets.getBalance(referrer, "USD"),
    client.wallets.getBalance(referred, "USD"),
  ]);
  return [a.amount, b.amount];
}

if (isMain(import.meta.url)) {
  const client = connect();
  const [referrer, referred] = [newCustomer("cus_referrer"), newCustomer("cus_referred")];
  console.log(await rewardReferral(client, referrer, referred, "r1")); // [1000, 1000]
  console.log(await rewardReferral(client, referrer, referred, "r1")); // replayed: still [1000, 1000]
}
