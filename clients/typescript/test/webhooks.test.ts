/**
 * verifyWebhook against the shared vectors (checked against the official Standard Webhooks library)
 * and against every delivery it must refuse. No server: the clock is passed in.
 */

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";

import { MemoryReplayStore, WebhookVerificationError, verifyWebhook } from "wallets-client";
import type { WebhookEvent, WebhookFailure } from "wallets-client";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER = "whsec_" + Buffer.from("fedcba9876543210fedcba9876543210").toString("base64");
const ID = "evt_1";
const STAMP = 1796558400;
const NOW = new Date(STAMP * 1000);
const BODY =
  '{"type":"wallet.credited","timestamp":"2026-12-06T12:00:00.000Z","data":{"event_id":"evt_1","wallet_id":"wal_1","amount":1000}}';
const SIGNATURE = "v1,QqeBvaiyO9GGRFbsXaGhauXMkROKh1cYtt8tOsiXwk0=";

/** An independent signer (node:crypto), to make deliveries the vectors do not cover. */
function sign(secret: string, id: string, stamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return "v1," + createHmac("sha256", key).update(`${id}.${stamp}.${body}`).digest("base64");
}

function headers(signature = SIGNATURE, id = ID, stamp = STAMP): Record<string, string> {
  return { "webhook-id": id, "webhook-timestamp": String(stamp), "webhook-signature": signature };
}

async function refused(promise: Promise<unknown>, reason: WebhookFailure): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof WebhookVerificationError, String(error));
    assert.equal(error.reason, reason, error.message);
    assert.equal(error.name, "WebhookVerificationError");
    return true;
  });
}

describe("verifyWebhook", () => {
  it("accepts the shared vector and returns its event", async () => {
    const event: WebhookEvent = await verifyWebhook(BODY, headers(), SECRET, { now: NOW });
    assert.deepEqual(event, {
      id: "evt_1",
      type: "wallet.credited",
      timestamp: "2026-12-06T12:00:00.000Z",
      data: { event_id: "evt_1", wallet_id: "wal_1", amount: 1000 },
    });
    assert.equal(sign(SECRET, ID, STAMP, BODY), SIGNATURE); // the test's signer agrees with the vector
  });

  it("accepts the specification's published vector, bytes or string, secret with or without whsec_", async () => {
    const body = '{"test": 2432232314}';
    const spec = {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    };
    const now = new Date(1614265330 * 1000);
    // The spec's body is no event: the signature verifies, then the envelope is refused.
    await refused(verifyWebhook(body, spec, SECRET, { now }), "body");
    await refused(verifyWebhook(new TextEncoder().encode(body), spec, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", { now }), "body");
    await refused(verifyWebhook(body + " ", spec, SECRET, { now }), "signature");
  });

  it("reads the headers in any case, from a Headers or a node-style record", async () => {
    const mixed = { "Webhook-Id": ID, "WEBHOOK-TIMESTAMP": String(STAMP), "webhook-Signature": [SIGNATURE] };
    assert.equal((await verifyWebhook(BODY, mixed, SECRET, { now: NOW })).id, ID);
    assert.equal((await verifyWebhook(BODY, new Headers(headers()), SECRET, { now: STAMP * 1000 })).id, ID);
    assert.equal((await verifyWebhook(new TextEncoder().encode(BODY), headers(), SECRET, { now: NOW })).type, "wallet.credited");
  });

  it("refuses a wrong secret and a changed body", async () => {
    await refused(verifyWebhook(BODY, headers(), OTHER, { now: NOW }), "signature");
    await refused(verifyWebhook(BODY.replace("1000", "9000"), headers(), SECRET, { now: NOW }), "signature");
    await refused(verifyWebhook(BODY, headers(SIGNATURE, "evt_2"), SECRET, { now: NOW }), "signature");
    await refused(verifyWebhook(BODY, headers("v2," + SIGNATURE.slice(3)), SECRET, { now: NOW }), "signature");
    await refused(verifyWebhook(BODY, headers(SIGNATURE.slice(0, -2)), SECRET, { now: NOW }), "signature");
  });

  it("refuses a timestamp more than the tolerance away, either way", async () => {
    const at = (seconds: number) => new Date((STAMP + seconds) * 1000);
    assert.equal((await verifyWebhook(BODY, headers(), SECRET, { now: at(300) })).id, ID);
    assert.equal((await verifyWebhook(BODY, headers(), SECRET, { now: at(-300) })).id, ID);
    await refused(verifyWebhook(BODY, headers(), SECRET, { now: at(301) }), "timestamp");
    await refused(verifyWebhook(BODY, headers(), SECRET, { now: at(-301) }), "timestamp");
    await refused(verifyWebhook(BODY, headers(), SECRET, { now: at(61), toleranceSeconds: 60 }), "timestamp");
    // A fresh timestamp with a valid signature for it is accepted at any time: the clock decides.
    const later = STAMP + 86_400;
    const fresh = headers(sign(SECRET, ID, later, BODY), ID, later);
    assert.equal((await verifyWebhook(BODY, fresh, SECRET, { now: new Date(later * 1000) })).id, ID);
    await refused(verifyWebhook(BODY, fresh, SECRET, { now: NOW }), "timestamp");
  });

  it("refuses a replay, and a forged copy cannot block the genuine delivery", async () => {
    const seen = new MemoryReplayStore();
    await refused(verifyWebhook(BODY, headers(sign(OTHER, ID, STAMP, BODY)), SECRET, { now: NOW, seen }), "signature");
    await refused(verifyWebhook("{}", headers(sign(SECRET, ID, STAMP, "{}")), SECRET, { now: NOW, seen }), "body");
    assert.equal((await verifyWebhook(BODY, headers(), SECRET, { now: NOW, seen })).id, ID);
    await refused(verifyWebhook(BODY, headers(), SECRET, { now: NOW, seen }), "replay");
    // An async store (Redis, DynamoDB) is awaited; it is told when the id may be forgotten (ms).
    const kept: Array<[string, number]> = [];
    const store = { add: async (id: string, expiresAt: number) => (kept.push([id, expiresAt]), kept.length === 1) };
    await verifyWebhook(BODY, headers(), SECRET, { now: NOW, seen: store });
    await refused(verifyWebhook(BODY, headers(), SECRET, { now: NOW, seen: store }), "replay");
    assert.deepEqual(kept[0], [ID, (STAMP + 300) * 1000]);
  });

  it("accepts any of several signatures and any of several secrets (rotation)", async () => {
    const both = `${sign(OTHER, ID, STAMP, BODY)} ${SIGNATURE}`;
    assert.equal((await verifyWebhook(BODY, headers(both), SECRET, { now: NOW })).id, ID);
    assert.equal((await verifyWebhook(BODY, headers(both), OTHER, { now: NOW })).id, ID);
    assert.equal((await verifyWebhook(BODY, headers(), [OTHER, SECRET], { now: NOW })).id, ID);
    await refused(verifyWebhook(BODY, headers(), [OTHER], { now: NOW }), "signature");
  });

  it("refuses missing or malformed headers", async () => {
    const { "webhook-id": _id, ...noId } = headers();
    const { "webhook-signature": _sig, ...noSignature } = headers();
    const { "webhook-timestamp": _ts, ...noStamp } = headers();
    for (const partial of [noId, noSignature, noStamp, { ...headers(), "webhook-id": "" }, {}]) {
      await refused(verifyWebhook(BODY, partial, SECRET, { now: NOW }), "headers");
    }
    for (const stamp of ["1796558400.5", "-1796558400", "0x6B1A2E40", "1796558400abc", "١٧٩٦٥٥٨٤٠٠"]) {
      await refused(verifyWebhook(BODY, { ...headers(), "webhook-timestamp": stamp }, SECRET, { now: NOW }), "timestamp");
    }
    await refused(verifyWebhook(BODY, { ...headers(), "webhook-id": [ID, "evt_2"] }, SECRET, { now: NOW }), "headers");
    await refused(verifyWebhook(BODY, headers("garbage"), SECRET, { now: NOW }), "signature");
  });

  it("refuses a signed body that is not an event", async () => {
    for (const body of ["not json", "[]", '{"type":"x","timestamp":"nope","data":{}}', '{"type":"x","timestamp":"2026-12-06T12:00:00Z","data":[]}']) {
      await refused(verifyWebhook(body, headers(sign(SECRET, ID, STAMP, body)), SECRET, { now: NOW }), "body");
    }
  });

  it("throws a TypeError, not a verification failure, for a malformed secret (a configuration error)", async () => {
    await assert.rejects(verifyWebhook(BODY, headers(), "whsec_not base64!", { now: NOW }), TypeError);
    await assert.rejects(verifyWebhook(BODY, headers(), "whsec_c2hvcnQ=", { now: NOW }), TypeError);
    await assert.rejects(verifyWebhook(BODY, headers(), [], { now: NOW }), TypeError);
  });

  it("falls back to node:crypto's webcrypto where globalThis.crypto is absent (Node 18)", async () => {
    const global = Object.getOwnPropertyDescriptor(globalThis, "crypto");
    Object.defineProperty(globalThis, "crypto", { value: undefined, configurable: true });
    try {
      assert.equal((globalThis as { crypto?: unknown }).crypto, undefined);
      assert.equal((await verifyWebhook(BODY, headers(), SECRET, { now: NOW })).id, ID);
      await refused(verifyWebhook(BODY, headers(), OTHER, { now: NOW }), "signature");
    } finally {
      if (global) Object.defineProperty(globalThis, "crypto", global);
    }
  });
});
