/**
 * The seeds' use cases (examples/) against a running server: WALLETS_BASE_URL (the pytest test
 * tests/e2e/test_typescript_client.py starts one), skipped when it is not set.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { connect, newCustomer } from "../examples/_connect.js";
import { refundOrder } from "../examples/credit-refunds.js";
import { accountPage } from "../examples/display-balances.js";
import { expirePromotion } from "../examples/expire-credits.js";
import { buyCredits } from "../examples/purchase-credits.js";
import { rewardReferral } from "../examples/referral-credits.js";
import { grantWelcomeBonus } from "../examples/welcome-bonus.js";
import { walletLifecycle } from "../examples/xtopay-wallets.js";

const skip = process.env["WALLETS_BASE_URL"] ? false : "WALLETS_BASE_URL is not set (no server to run against)";

describe("the seeds' use cases", { skip }, () => {
  it("grants a welcome bonus once", async () => {
    assert.equal(await grantWelcomeBonus(connect(), newCustomer("cus_welcome")), 500);
  });

  it("credits a referral to both sides, once", async () => {
    const client = connect();
    const [referrer, referred] = [newCustomer("cus_referrer"), newCustomer("cus_referred")];
    assert.deepEqual(await rewardReferral(client, referrer, referred, "r1"), [1000, 1000]);
    assert.deepEqual(await rewardReferral(client, referrer, referred, "r1"), [1000, 1000]);
  });

  it("buys credits after a payment", async () => {
    assert.deepEqual(await buyCredits(connect(), newCustomer("cus_buyer")), { balance: 1700, withdrawable: 1700 });
  });

  it("refunds an order to the credit types it spent", async () => {
    assert.deepEqual(await refundOrder(connect(), newCustomer("cus_refund")), { promotional: 300, cash: 1000 });
  });

  it("displays balances for an account page", async () => {
    assert.deepEqual(await accountPage(connect(), newCustomer("cus_ui")), [
      "EUR: €9.90 available (€9.90 expires soon)",
      "USD: $12.50 available",
    ]);
  });

  it("expires a promotion's credit and keeps the rest", async () => {
    const { lotsBefore, amountAfter } = await expirePromotion(connect(), newCustomer("cus_promo"), 3000);
    assert.equal(amountAfter, 1000);
    assert.ok(lotsBefore.some((line) => line.startsWith("$10.00 cash expires never")), lotsBefore.join("\n"));
  });

  it("creates, retrieves, credits, freezes, unfreezes and closes a wallet (Xtopay's calls)", async () => {
    assert.deepEqual(await walletLifecycle(connect(), newCustomer("cus_xtopay")), [
      "created once",
      "retrieved by customer: true",
      "credited: €30.00",
      "status: frozen",
      "debit refused: 409 wallet_frozen",
      "status: active",
      "status: closed, refund due: 2600",
    ]);
  });
});
