/**
 * Purchase credits after a payment: the customer pays $20.00 by card and gets $2.00 of bonus
 * credit; spending uses the bonus first (it is promotional), the paid cash stays withdrawable.
 */

import { PaymentFailedError, type WalletsClient } from "wallets-client";

import { connect, isMain, newCustomer } from "./_connect.js";

export async function buyCredits(client: WalletsClient, customerId: string): Promise<{ balance: number; withdrawable: number }> {
  const wallet = await client.wallets.create({ customer_id: customerId, currency: "USD" });
  let topUp = await client.topUps.create(wallet.id, { amount: 2000, payment_method: "pm_card_visa", bonus_amount: 200 });
  if (topUp.status === "pending") {
    // 3-D Secure: the customer finishes it with Stripe.js (`topUp.client_secret`); read it again after.
    topUp = await client.topUps.retrieve(wallet.id, topUp.id);
  }
  if (topUp.status !== "succeeded") throw new Error(`top-up ${topUp.id} is ${topUp.status}`);
  try {
    await client.topUps.create(wallet.id, { amount: 2000, payment_method: "pm_card_declined" });
    throw new Error("a declined card was charged");
  } catch (error) {
    // The decline, with the gateway's reason: nothing was charged or credited.
    if (!(error instanceof PaymentFailedError) || error.details["failure_code"] !== "card_declined") throw error;
  }
  await client.wallets.debit(wallet.id, { amount: 500, description: "Pro plan, one month" });
  const after = await client.wallets.retrieve(wallet.id);
  return { balance: after.balance, withdrawable: after.withdrawable };
}

if (isMain(import.meta.url)) {
  console.log(await buyCredits(connect(), newCustomer("cus_buyer"))); // { balance: 1700, withdrawable: 1700 }
}
