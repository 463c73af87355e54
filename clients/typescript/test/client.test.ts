/** Retries, idempotency, errors, paging and answers, against a scripted fetch (no server). */

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, it } from "node:test";

import {
  APIConnectionError,
  ConcurrentModificationError,
  ERROR_CLASSES,
  InsufficientFundsError,
  PermissionDeniedError,
  ServiceUnavailableError,
  ValidationError,
  WalletFrozenError,
  WalletsClient,
  WalletsError,
} from "wallets-client";

import { retryDelay } from "../src/core.js";
import { error, fakeFetch, type Reply } from "./fake-fetch.js";

const WALLET = { id: "wal_1", object: "wallet", balance: 0 };
const TXN = { id: "txn_1", object: "transaction", type: "debit", amount: 300 };
const NOW = { "retry-after": "0" }; // retry at once: the delays themselves are tested on retryDelay

function client(replies: Reply[], maxRetries = 3): { client: WalletsClient; sent: ReturnType<typeof fakeFetch>["sent"] } {
  const fake = fakeFetch(replies);
  return { client: new WalletsClient({ baseUrl: "http://127.0.0.1:3000/", auth: null, fetch: fake.fetch, maxRetries, timeoutMs: 1000 }), sent: fake.sent };
}

describe("idempotency and retries", () => {
  it("makes one Idempotency-Key before the first attempt and sends it on every retry", async () => {
    const { client: c, sent } = client([
      { status: 503, body: error("service_unavailable"), headers: NOW },
      { status: 429, body: { message: "Too Many Requests" }, headers: NOW },
      { status: 500, body: { message: "Internal server error" }, headers: NOW },
      { status: 201, body: TXN },
    ]);
    const txn = await c.wallets.debit("wal_1", { amount: 300 });
    assert.equal(txn.id, "txn_1");
    assert.equal(sent.length, 4);
    const keys = new Set(sent.map((s) => s.headers["idempotency-key"]));
    assert.equal(keys.size, 1);
    const [key] = keys;
    assert.match(String(key), /^[0-9a-f-]{36}$/);
    assert.equal(txn.lastResponse.idempotencyKey, key);
    assert.deepEqual(new Set(sent.map((s) => s.body)), new Set([JSON.stringify({ amount: 300 })]));
  });

  it("retries network errors and a 409 concurrent_modification with the same key, and nothing else", async () => {
    const { client: c, sent } = client([
      new TypeError("fetch failed"),
      { status: 409, body: error("concurrent_modification"), headers: NOW },
      { status: 409, body: error("wallet_frozen", "the wallet is frozen") },
    ]);
    await assert.rejects(c.wallets.debit("wal_1", { amount: 300 }, { idempotencyKey: "order-7" }), (e: unknown) => {
      assert.ok(e instanceof WalletFrozenError);
      assert.equal(e.status, 409);
      assert.equal(e.idempotencyKey, "order-7");
      return true;
    });
    assert.deepEqual(sent.map((s) => s.headers["idempotency-key"]), ["order-7", "order-7", "order-7"]);
  });

  it("gives up after maxRetries with the key to retry later", async () => {
    const contended = { status: 409, body: error("concurrent_modification"), headers: NOW };
    const { client: c, sent } = client([contended, contended, contended], 2);
    await assert.rejects(c.wallets.credit("wal_1", { amount: 5 }), (e: unknown) => {
      assert.ok(e instanceof ConcurrentModificationError);
      assert.equal(e.idempotencyKey, sent[0]?.headers["idempotency-key"]);
      return true;
    });
    assert.equal(sent.length, 3);
  });

  it("answers a connection error when no attempt got an answer, timeouts included", async () => {
    const { client: c, sent } = client(["hang", new TypeError("fetch failed")], 1);
    await assert.rejects(c.wallets.freeze("wal_1"), (e: unknown) => {
      assert.ok(e instanceof APIConnectionError);
      assert.equal(e.status, undefined);
      assert.ok(e.idempotencyKey);
      return true;
    });
    assert.equal(sent.length, 2);
  });

  it("sends no Idempotency-Key on reads, and the caller's on writes", async () => {
    const { client: c, sent } = client([{ status: 200, body: WALLET }, { status: 200, body: WALLET }]);
    await c.wallets.retrieve("wal_1");
    await c.wallets.freeze("wal_1", { idempotencyKey: "freeze-1" });
    assert.equal(sent[0]?.headers["idempotency-key"], undefined);
    assert.equal(sent[1]?.headers["idempotency-key"], "freeze-1");
    assert.equal(sent[1]?.method, "POST");
  });

  it("waits what Retry-After says (up to 20 s, else gives up), else a full-jitter backoff, and never for final answers", () => {
    const answer = (status: number, headers: Record<string, string> = {}, body: unknown = {}) => ({
      status,
      headers: new Headers(headers),
      body,
    });
    assert.equal(retryDelay(0, 3, answer(429, { "retry-after": "2" })), 2000);
    assert.equal(retryDelay(0, 3, answer(503, { "retry-after": "20" })), 20_000);
    assert.equal(retryDelay(0, 3, answer(429, { "retry-after": "900" })), undefined); // too long to block
    assert.equal(retryDelay(0, 3, answer(503, { "retry-after": new Date(Date.now() + 3_600_000).toUTCString() })), undefined);
    assert.equal(retryDelay(2, 3, answer(503), () => 1), 1000); // 0.25 s doubling
    assert.equal(retryDelay(9, 99, undefined, () => 1), 8000); // at most 8 s
    assert.equal(retryDelay(1, 3, undefined, () => 0.5), 250);
    assert.equal(retryDelay(3, 3, answer(503)), undefined); // out of retries
    assert.equal(retryDelay(0, 3, answer(402, {}, error("insufficient_funds"))), undefined);
    assert.equal(retryDelay(0, 3, answer(409, {}, error("idempotency_key_reused"))), undefined);
    assert.equal(retryDelay(0, 3, answer(201)), undefined);
  });
});

describe("answers and errors", () => {
  it("raises the error class of the answer's type, with status, details and request id", async () => {
    const { client: c } = client([
      {
        status: 402,
        body: error("insufficient_funds", "not enough", { available: 100 }),
        headers: { "x-amzn-RequestId": "req-42" },
      },
      { status: 422, body: error("validation_error", "invalid", { amount: ["must be positive"] }) },
      { status: 403, body: { message: "User: arn:aws:iam::1:user/x is not authorized" } },
    ]);
    await assert.rejects(c.wallets.debit("wal_1", { amount: 300 }), (e: unknown) => {
      assert.ok(e instanceof InsufficientFundsError && e instanceof WalletsError && e instanceof Error);
      assert.deepEqual([e.status, e.type, e.message, e.details, e.requestId], [402, "insufficient_funds", "not enough", { available: 100 }, "req-42"]);
      assert.equal(e.name, "InsufficientFundsError");
      return true;
    });
    await assert.rejects(c.wallets.credit("wal_1", { amount: -1 }), ValidationError);
    await assert.rejects(c.wallets.retrieve("wal_1"), (e: unknown) => {
      assert.ok(e instanceof PermissionDeniedError);
      assert.match(e.message, /not authorized/);
      return true;
    });
  });

  it("refuses a success that is not a JSON object", async () => {
    const { client: c } = client([{ status: 200, headers: { "content-type": "text/html" } }]);
    await assert.rejects(c.wallets.retrieve("wal_1"), (e: unknown) => e instanceof WalletsError && e.status === 200);
  });

  it("has one class per error type, named by it", () => {
    for (const [type, cls] of Object.entries(ERROR_CLASSES)) {
      assert.equal(cls.type, type);
      assert.equal(new cls("x").type, type);
    }
    assert.ok(ERROR_CLASSES["service_unavailable"] === ServiceUnavailableError);
  });

  it("exposes Idempotent-Replayed and the request id on lastResponse, out of the data", async () => {
    const { client: c } = client([
      { status: 200, body: TXN, headers: { "Idempotent-Replayed": "true", "x-amzn-RequestId": "req-1" } },
      { status: 201, body: TXN },
    ]);
    const replayed = await c.wallets.debit("wal_1", { amount: 300 }, { idempotencyKey: "k" });
    assert.equal(replayed.lastResponse.idempotentReplayed, true);
    assert.equal(replayed.lastResponse.requestId, "req-1");
    assert.equal(replayed.lastResponse.status, 200);
    assert.deepEqual(JSON.parse(JSON.stringify(replayed)), TXN);
    const first = await c.wallets.debit("wal_1", { amount: 300 });
    assert.equal(first.lastResponse.idempotentReplayed, undefined);
  });

  it("builds paths, queries and bodies as the document names them", async () => {
    const { client: c, sent } = client([
      { status: 200, body: { object: "balance", amount: 5 } },
      { status: 201, body: TXN },
      { status: 200, body: { data: [], has_more: false, next_cursor: null } },
    ]);
    await c.wallets.getBalance("cus 1/é", "USD");
    await c.wallets.grantBalance({ customerId: "cus_1", currency: "EUR", amount: 500, description: "Welcome" });
    await c.transactions.listPage("wal_1", { type: "debit", limit: 2, created_after: "2026-01-01T00:00:00Z" });
    assert.equal(sent[0]?.url, "http://127.0.0.1:3000/customers/cus%201%2F%C3%A9/balances/USD");
    assert.equal(sent[1]?.url, "http://127.0.0.1:3000/customers/cus_1/balances/EUR/grant");
    assert.deepEqual(JSON.parse(String(sent[1]?.body)), { amount: 500, description: "Welcome" });
    assert.equal(sent[2]?.url, "http://127.0.0.1:3000/wallets/wal_1/transactions?type=debit&limit=2&created_after=2026-01-01T00%3A00%3A00Z");
    await assert.rejects(c.wallets.retrieve(".."), TypeError);
  });
});

describe("paging", () => {
  it("follows next_cursor until has_more is false", async () => {
    const { client: c, sent } = client([
      { status: 200, body: { data: [{ id: "txn_3" }, { id: "txn_2" }], has_more: true, next_cursor: "c1" } },
      { status: 200, body: { data: [{ id: "txn_1" }], has_more: false, next_cursor: null } },
    ]);
    const ids: string[] = [];
    for await (const txn of c.transactions.list("wal_1", { limit: 2 })) ids.push(txn.id);
    assert.deepEqual(ids, ["txn_3", "txn_2", "txn_1"]);
    assert.deepEqual(
      sent.map((s) => new URL(s.url).search),
      ["?limit=2", "?limit=2&cursor=c1"],
    );
  });

  it("lists a wallet's top-ups by status, page by page", async () => {
    const { client: c, sent } = client([
      { status: 200, body: { data: [{ id: "top_3", status: "failed" }], has_more: true, next_cursor: "c1" } },
      { status: 200, body: { data: [{ id: "top_1", status: "failed" }], has_more: false, next_cursor: null } },
      { status: 200, body: { data: [], has_more: true, next_cursor: "c2" } },
    ]);
    const ids: string[] = [];
    for await (const topUp of c.topUps.list("wal_1", { status: "failed", limit: 1 })) ids.push(topUp.id);
    assert.deepEqual(ids, ["top_3", "top_1"]);
    const page = await c.topUps.listPage("wal_1", { status: "succeeded", cursor: "c9" });
    assert.deepEqual([page.data, page.has_more, page.next_cursor], [[], true, "c2"]);
    assert.deepEqual(
      sent.map((s) => new URL(s.url).pathname + new URL(s.url).search),
      [
        "/wallets/wal_1/top-ups?status=failed&limit=1",
        "/wallets/wal_1/top-ups?status=failed&limit=1&cursor=c1",
        "/wallets/wal_1/top-ups?status=succeeded&cursor=c9",
      ],
    );
  });
});

describe("packaging", () => {
  it("loads from CommonJS with the same API", () => {
    const require = createRequire(import.meta.url);
    const cjs = require("wallets-client") as Record<string, unknown>;
    assert.equal(typeof cjs["WalletsClient"], "function");
    assert.equal(typeof cjs["toMinor"], "function");
    assert.notEqual(cjs["WalletsClient"], WalletsClient); // its own build, not a re-export
  });

  it("signs by default and refuses a SigV4 client without a region", () => {
    const saved = [process.env["AWS_REGION"], process.env["AWS_DEFAULT_REGION"]];
    delete process.env["AWS_REGION"];
    delete process.env["AWS_DEFAULT_REGION"];
    try {
      assert.throws(() => new WalletsClient({ baseUrl: "https://api.example.com" }), /region/);
      assert.ok(new WalletsClient({ baseUrl: "https://abc.execute-api.eu-west-1.amazonaws.com/prod" }));
    } finally {
      if (saved[0] !== undefined) process.env["AWS_REGION"] = saved[0];
      if (saved[1] !== undefined) process.env["AWS_DEFAULT_REGION"] = saved[1];
    }
  });
});
