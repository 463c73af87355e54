/**
 * A lost answer: a proxy in front of the server forwards a debit, lets the server write and answer,
 * then drops the connection before replying. The client sees a network error, retries with the same
 * Idempotency-Key, and the money moves once. Needs WALLETS_BASE_URL (skipped without it).
 */

import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";

import { WalletsClient } from "wallets-client";

import { newCustomer } from "../examples/_connect.js";

const upstream = process.env["WALLETS_BASE_URL"];

interface Seen {
  method: string;
  url: string;
  key: string | undefined;
  upstreamStatus: number;
  dropped: boolean;
}

/** Forwards every request; the first POST whose path matches `drop` gets no reply after the server's. */
function lossyProxy(target: URL, drop: RegExp): { server: http.Server; seen: Seen[] } {
  const seen: Seen[] = [];
  let dropped = false;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const forward = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (answer) => {
          const body: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => body.push(chunk));
          answer.on("end", () => {
            const lose = !dropped && req.method === "POST" && drop.test(req.url ?? "");
            const key = req.headers["idempotency-key"];
            seen.push({
              method: String(req.method),
              url: String(req.url),
              key: typeof key === "string" ? key : undefined,
              upstreamStatus: answer.statusCode ?? 0,
              dropped: lose,
            });
            if (lose) {
              dropped = true;
              req.socket.destroy(); // the server wrote and answered; the client never hears of it
              return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      forward.on("error", (error) => res.destroy(error));
      forward.end(Buffer.concat(chunks));
    });
  });
  return { server, seen };
}

describe("a lost answer", { skip: upstream ? false : "WALLETS_BASE_URL is not set" }, () => {
  let proxy: ReturnType<typeof lossyProxy>;
  let base = "";

  before(async () => {
    proxy = lossyProxy(new URL(String(upstream)), /\/debits$/);
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => proxy.server.close(() => resolve())));

  it("is retried with the same key and moves money once", async () => {
    const direct = new WalletsClient({ baseUrl: String(upstream), auth: null });
    const wallet = await direct.wallets.create({ customer_id: newCustomer("cus_lost"), currency: "USD" });
    await direct.wallets.credit(wallet.id, { amount: 1000, funding_type: "cash" });

    const client = new WalletsClient({ baseUrl: base, auth: null });
    const debit = await client.wallets.debit(wallet.id, { amount: 300, description: "Order 1" });

    const debits = proxy.seen.filter((s) => s.url.endsWith("/debits"));
    assert.equal(debits.length, 2, JSON.stringify(proxy.seen));
    assert.deepEqual(debits.map((s) => [s.upstreamStatus, s.dropped]), [[201, true], [debits[1]?.upstreamStatus, false]]);
    assert.ok(debits[0]?.key && debits[0].key === debits[1]?.key, "the retry carries the first attempt's key");
    assert.equal(debit.lastResponse.idempotencyKey, debits[0]?.key);
    assert.notEqual(debit.lastResponse.idempotentReplayed, false); // true once the server says so

    const after = await direct.wallets.retrieve(wallet.id);
    assert.equal(after.balance, 700);
    const moved = [];
    for await (const txn of direct.transactions.list(wallet.id, { type: "debit" })) moved.push(txn.id);
    assert.deepEqual(moved, [debit.id]);
  });
});
