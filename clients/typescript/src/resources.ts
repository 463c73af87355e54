/**
 * The API's resources, laid out as the Python client's (clients/python/.../resources.py), with the
 * seeds' names and shapes: the customer-balance calls (`getBalance(customerId, currency)`,
 * `listBalances`, `grantBalance({ customerId, currency, amount, description })`, `revokeBalance`)
 * and the wallet calls (`create({ customer_id, currency, metadata })`, `retrieve`,
 * `retrieveByCustomer`, `freeze`, `unfreeze`, `close`, `credit`) are on `client.wallets`.
 *
 * Bodies are the API's own fields (snake_case), typed from docs/openapi.json; ids are arguments.
 * Every mutating call takes `{ idempotencyKey }` last (one is made when omitted, and the client's
 * own retries reuse it). Amounts are integers in minor units (`toMinor`).
 */

import type { Core } from "./core.js";
import type {
  AdjustParams,
  AnswerOf,
  Balance,
  BalanceList,
  CallOptions,
  CaptureHoldParams,
  CloseWalletParams,
  Code,
  CodeList,
  CreateCodeParams,
  CreateHoldParams,
  CreateTopUpParams,
  CreateWalletParams,
  CreditParams,
  Currency,
  DebitParams,
  GrantParams,
  Hold,
  HoldList,
  ListCodesParams,
  ListHoldsParams,
  ListTopUpsParams,
  ListTransactionsParams,
  ListWalletsParams,
  LotList,
  RedeemParams,
  RefundParams,
  RemainderCharge,
  RevokeParams,
  SetupIntent,
  TopUp,
  TopUpList,
  Transaction,
  TransactionList,
  UpdateWalletParams,
  VoidParams,
  Wallet,
  WalletList,
  WithResponse,
} from "./types.js";

type Result<T> = Promise<WithResponse<T>>;

/** A page of a list: its items, and the cursor of the next page while `has_more`. */
interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

/** Every item of a list, page by page (`for await (const t of client.transactions.list(id))`). */
async function* autoPage<T>(first: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined = undefined;
  for (;;) {
    const page: Page<T> = await first(cursor);
    yield* page.data;
    if (!page.has_more || !page.next_cursor) return;
    cursor = page.next_cursor;
  }
}

/** `grantBalance`'s argument: the seed's `{ customerId, currency, amount, description }`, plus the
 * API's other grant fields (`reference`, `expires_at`, `funding_type`, `applies_to`, `metadata`). */
export type GrantBalanceParams = { customerId: string; currency: Currency } & GrantParams;
/** `revokeBalance`'s argument: `{ customerId, currency, amount, reason }`. */
export type RevokeBalanceParams = { customerId: string; currency: Currency } & RevokeParams;

abstract class Resource {
  constructor(protected readonly core: Core) {}
}

export class Wallets extends Resource {
  // ------------------------------------------------------------ customer balances (the seeds')
  /** The customer's balance in a currency (404 `not_found` when they have no wallet in it). */
  getBalance(customerId: string, currency: Currency): Result<Balance> {
    return this.core.request("get", "/customers/{customer_id}/balances/{currency}", {
      params: { customer_id: customerId, currency },
    });
  }

  /** The customer's balance in every currency they have a wallet in. */
  listBalances(customerId: string): Result<BalanceList> {
    return this.core.request("get", "/customers/{customer_id}/balances", { params: { customer_id: customerId } });
  }

  /** Credit a customer's balance (the wallet is created when missing). A `reference` makes the grant
   * once-only: the same reference again answers the first grant. */
  grantBalance(params: GrantBalanceParams, options: CallOptions = {}): Result<Transaction> {
    const { customerId, currency, ...body } = params;
    return this.core.request("post", "/customers/{customer_id}/balances/{currency}/grant", {
      params: { customer_id: customerId, currency },
      body,
      ...options,
    });
  }

  /** Take credit back from a customer's balance. */
  revokeBalance(params: RevokeBalanceParams, options: CallOptions = {}): Result<Transaction> {
    const { customerId, currency, ...body } = params;
    return this.core.request("post", "/customers/{customer_id}/balances/{currency}/revoke", {
      params: { customer_id: customerId, currency },
      body,
      ...options,
    });
  }

  // ------------------------------------------------------------ wallets
  /** Create the customer's wallet in a currency (or answer the existing one). */
  create(params: CreateWalletParams, options: CallOptions = {}): Result<Wallet> {
    return this.core.request("post", "/wallets", { body: params, ...options });
  }

  retrieve(walletId: string): Result<Wallet> {
    return this.core.request("get", "/wallets/{wallet_id}", { params: { wallet_id: walletId } });
  }

  retrieveByCustomer(customerId: string, currency: Currency): Result<Wallet> {
    return this.core.request("get", "/customers/{customer_id}/wallets/{currency}", {
      params: { customer_id: customerId, currency },
    });
  }

  /** Every wallet (newest first), following `next_cursor` page by page. */
  list(params: ListWalletsParams = {}): AsyncGenerator<Wallet, void, undefined> {
    return autoPage((cursor) => this.listPage({ ...params, ...(cursor ? { cursor } : {}) }));
  }

  listPage(params: ListWalletsParams & { cursor?: string } = {}): Result<WalletList> {
    return this.core.request("get", "/wallets", { query: params });
  }

  update(walletId: string, params: UpdateWalletParams, options: CallOptions = {}): Result<Wallet> {
    return this.core.request("patch", "/wallets/{wallet_id}", { params: { wallet_id: walletId }, body: params, ...options });
  }

  /** Stop payments and holds; credits and top-ups are still taken, existing holds still settle. */
  freeze(walletId: string, options: CallOptions = {}): Result<Wallet> {
    return this.core.request("post", "/wallets/{wallet_id}/freeze", { params: { wallet_id: walletId }, ...options });
  }

  unfreeze(walletId: string, options: CallOptions = {}): Result<Wallet> {
    return this.core.request("post", "/wallets/{wallet_id}/unfreeze", { params: { wallet_id: walletId }, ...options });
  }

  /** Close for good: holds released, non-withdrawable credit forfeited, `refund_due` reported (and
   * refunded to the top-ups' payments with `refund_to_original_payment`). */
  close(walletId: string, params: CloseWalletParams = {}, options: CallOptions = {}): Result<Wallet> {
    return this.core.request("post", "/wallets/{wallet_id}/close", { params: { wallet_id: walletId }, body: params, ...options });
  }

  /** The same as close(). */
  delete(walletId: string, options: CallOptions = {}): Result<Wallet> {
    return this.core.request("delete", "/wallets/{wallet_id}", { params: { wallet_id: walletId }, ...options });
  }

  /** Grant credit; with `applies_to` it pays only for debits and holds naming one of those categories. */
  credit(walletId: string, params: CreditParams, options: CallOptions = {}): Result<Transaction> {
    return this.core.request("post", "/wallets/{wallet_id}/credits", { params: { wallet_id: walletId }, body: params, ...options });
  }

  /** Take a payment. With `remainder_payment_method`, what the wallet lacks is charged to it; a 202
   * answers the pending remainder charge (3-D Secure, a slow gateway), with `status` "pending". */
  debit(walletId: string, params: DebitParams, options: CallOptions = {}): Result<Transaction | RemainderCharge> {
    return this.core.request("post", "/wallets/{wallet_id}/debits", { params: { wallet_id: walletId }, body: params, ...options });
  }

  /** Remove credit (all funding types, or one). */
  void(walletId: string, params: VoidParams, options: CallOptions = {}): Result<Transaction> {
    return this.core.request("post", "/wallets/{wallet_id}/voids", { params: { wallet_id: walletId }, body: params, ...options });
  }

  /** A manual correction: positive adds withdrawable credit, negative removes available credit. */
  adjust(walletId: string, params: AdjustParams, options: CallOptions = {}): Result<Transaction> {
    return this.core.request("post", "/wallets/{wallet_id}/adjustments", { params: { wallet_id: walletId }, body: params, ...options });
  }

  /** Give back all or part of a debit or capture, restoring the credit types it spent. */
  refund(walletId: string, params: RefundParams, options: CallOptions = {}): Result<Transaction> {
    return this.core.request("post", "/wallets/{wallet_id}/refunds", { params: { wallet_id: walletId }, body: params, ...options });
  }

  /** Redeem a credit code into the wallet. */
  redeem(walletId: string, params: RedeemParams, options: CallOptions = {}): Result<Transaction> {
    return this.core.request("post", "/wallets/{wallet_id}/redemptions", { params: { wallet_id: walletId }, body: params, ...options });
  }

  /** A SetupIntent's client secret, for Stripe.js to save a card for automatic top-ups. */
  setupPaymentMethod(walletId: string, options: CallOptions = {}): Result<SetupIntent> {
    return this.core.request("post", "/wallets/{wallet_id}/payment-methods/setup", { params: { wallet_id: walletId }, ...options });
  }
}

export class Transactions extends Resource {
  retrieve(walletId: string, transactionId: string): Result<Transaction> {
    return this.core.request("get", "/wallets/{wallet_id}/transactions/{transaction_id}", {
      params: { wallet_id: walletId, transaction_id: transactionId },
    });
  }

  /** The wallet's ledger, newest first, following `next_cursor` page by page. */
  list(walletId: string, params: ListTransactionsParams = {}): AsyncGenerator<Transaction, void, undefined> {
    return autoPage((cursor) => this.listPage(walletId, { ...params, ...(cursor ? { cursor } : {}) }));
  }

  listPage(walletId: string, params: ListTransactionsParams & { cursor?: string } = {}): Result<TransactionList> {
    return this.core.request("get", "/wallets/{wallet_id}/transactions", { params: { wallet_id: walletId }, query: params });
  }
}

export class Lots extends Resource {
  /** The wallet's live credit lots in consumption order (one page: a wallet has at most 1,000). */
  list(walletId: string): Result<LotList> {
    return this.core.request("get", "/wallets/{wallet_id}/lots", { params: { wallet_id: walletId } });
  }
}

export class Holds extends Resource {
  create(walletId: string, params: CreateHoldParams, options: CallOptions = {}): Result<Hold> {
    return this.core.request("post", "/wallets/{wallet_id}/holds", { params: { wallet_id: walletId }, body: params, ...options });
  }

  capture(walletId: string, holdId: string, params: CaptureHoldParams = {}, options: CallOptions = {}): Result<Hold> {
    return this.core.request("post", "/wallets/{wallet_id}/holds/{hold_id}/capture", {
      params: { wallet_id: walletId, hold_id: holdId },
      body: params,
      ...options,
    });
  }

  release(walletId: string, holdId: string, options: CallOptions = {}): Result<Hold> {
    return this.core.request("post", "/wallets/{wallet_id}/holds/{hold_id}/release", {
      params: { wallet_id: walletId, hold_id: holdId },
      ...options,
    });
  }

  list(walletId: string, params: ListHoldsParams = {}): AsyncGenerator<Hold, void, undefined> {
    return autoPage((cursor) => this.listPage(walletId, { ...params, ...(cursor ? { cursor } : {}) }));
  }

  listPage(walletId: string, params: ListHoldsParams & { cursor?: string } = {}): Result<HoldList> {
    return this.core.request("get", "/wallets/{wallet_id}/holds", { params: { wallet_id: walletId }, query: params });
  }
}

export class TopUps extends Resource {
  /** Charge a payment method and credit the wallet; `status` is "pending" while the customer must
   * authenticate (`client_secret`) or the gateway has not answered. */
  create(walletId: string, params: CreateTopUpParams, options: CallOptions = {}): Result<TopUp> {
    return this.core.request("post", "/wallets/{wallet_id}/top-ups", { params: { wallet_id: walletId }, body: params, ...options });
  }

  retrieve(walletId: string, topUpId: string): Result<TopUp> {
    return this.core.request("get", "/wallets/{wallet_id}/top-ups/{top_up_id}", {
      params: { wallet_id: walletId, top_up_id: topUpId },
    });
  }

  /** The wallet's top-ups, newest first, failed ones included (not a debit's remainder charges),
   * following `next_cursor` page by page. Each one's `transaction` is null: `retrieve` shows it. */
  list(walletId: string, params: ListTopUpsParams = {}): AsyncGenerator<TopUp, void, undefined> {
    return autoPage((cursor) => this.listPage(walletId, { ...params, ...(cursor ? { cursor } : {}) }));
  }

  listPage(walletId: string, params: ListTopUpsParams & { cursor?: string } = {}): Result<TopUpList> {
    return this.core.request("get", "/wallets/{wallet_id}/top-ups", { params: { wallet_id: walletId }, query: params });
  }
}

export class Codes extends Resource {
  /** The code is answered in full only here; everything else shows its last four characters. */
  create(params: CreateCodeParams, options: CallOptions = {}): Result<Code> {
    return this.core.request("post", "/codes", { body: params, ...options });
  }

  retrieve(codeId: string): Result<Code> {
    return this.core.request("get", "/codes/{code_id}", { params: { code_id: codeId } });
  }

  disable(codeId: string, options: CallOptions = {}): Result<Code> {
    return this.core.request("post", "/codes/{code_id}/disable", { params: { code_id: codeId }, ...options });
  }

  list(params: ListCodesParams = {}): AsyncGenerator<Code, void, undefined> {
    return autoPage((cursor) => this.listPage({ ...params, ...(cursor ? { cursor } : {}) }));
  }

  listPage(params: ListCodesParams & { cursor?: string } = {}): Result<CodeList> {
    return this.core.request("get", "/codes", { query: params });
  }
}

// The answer type of a route, for callers of `client.request` (re-exported by index.ts).
export type { AnswerOf };
