/**
 * Credit refunds: an order paid from the wallet is cancelled; the refund gives back exactly the
 * credit types it spent (promotional credit comes back promotional), never more than was paid.
 */

import { RefundExceedsOriginalError, type WalletsClient } from "wallets-client";

import { connect, isMain, newCustomer } from "./_connect.js";

export async function refundOrder(client: WalletsClient, customerId: string): Promise<Record<string, number>> {
  const wallet = await client.wallets.create({ customer_id: customerId, currency: "USD" });
  await client.wallets.credit(wallet.id, { amount: 300, funding_type: "promotional", description: "Coupon" });
  await client.wallets.credit(wallet.id, { amount: 1000, funding_type: "cash", description: "Deposit" });
  const order = await client.wallets.debit(wallet.id, { amount: 800, description: "Order 1001", reference: "order-1001" });
  await client.wallets.refund(wallet.id, { transaction_id: order.id, amount: 500, reason: "item out of stock" });
  await client.wallets.refund(wallet.id, { transaction_id: order.id, reason: "order cancelled" }); // the rest
  try {
    await client.wallets.refund(wallet.id, { transaction_id: order.id, amount: 1 });
    throw new Error("refunded more than the order paid");
  } catch (error) {
    if (!(error instanceof RefundExceedsOriginalError)) throw error; // nothing left to give back
  }
  const after = await client.wallets.retrieve(wallet.id);
  return Object.fromEntries(
    Object.entries(after.balances_by_type)
      .filter(([, balance]) => balance.amount > 0)
      .map(([type, balance]) => [type, balance.amount]),
  );
}

if (isMain(import.meta.url)) {
  console.log(await refundOrder(connect(), newCustomer("cus_refund"))); // { promotional: 300, cash: 1000 }
}
