/**
 * Receiving the service's signed webhooks (Standard Webhooks, standardwebhooks.com), as the Python
 * client's `wallets_client.webhooks.verify`:
 *
 *     const event = await verifyWebhook(rawBody, req.headers, process.env.WEBHOOK_SECRET!, { seen });
 *
 * A delivery is a POST whose body is `{"type", "timestamp", "data"}` (UTF-8 JSON) with three headers:
 * `webhook-id` (the event's id, the same on every retry), `webhook-timestamp` (this attempt's time,
 * integer seconds) and `webhook-signature`: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`,
 * keyed by the base64 after the secret's `whsec_` prefix. While the service rotates its secret it
 * signs with both keys, space-separated: one matching signature is enough.
 *
 * A delivery is accepted only if every check holds, in this order, and the failure says which did
 * not (`WebhookVerificationError.reason`): the three headers are there, the timestamp is within the
 * tolerance of now either way, a signature matches (every one compared with every secret, each in
 * constant time, no early exit), the body is an event, and, with `seen`, the id is new. Pass the body
 * exactly as received: a re-serialised JSON does not verify. Web Crypto only (browsers, Deno, Bun,
 * workers, Node 19+), node:crypto's `webcrypto` on Node 18, imported then and only then.
 */

export const WEBHOOK_SECRET_PREFIX = "whsec_";
/** Standard Webhooks' default: 5 minutes either way. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
/** What the service accepts as a secret (wallets.webhooks.key_bytes). */
const MIN_KEY_BYTES = 16;
const VERSION = "v1";

/** Which check a delivery failed. */
export type WebhookFailure = "headers" | "timestamp" | "signature" | "body" | "replay";

/** A delivery that does not verify; `reason` says which check failed. Answer it 400. */
export class WebhookVerificationError extends Error {
  readonly reason: WebhookFailure;

  constructor(reason: WebhookFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WebhookVerificationError";
    this.reason = reason;
  }
}

/** A verified delivery: the event envelope. `id` is the `webhook-id` header (dedupe by it: a
 * retried delivery has the same one); `timestamp` when the event happened (ISO 8601, UTC, as sent);
 * `data` the event's detail (its `event_id`, wallet and amounts), as the event `type` defines it. */
export interface WebhookEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/** Where accepted webhook ids are kept, so a delivery captured in transit and sent again within the
 * tolerance is refused. Shared by every process that receives (Redis `SET id 1 NX PXAT expiresAt`, a
 * conditional put in DynamoDB …); `MemoryReplayStore` for one process. */
export interface ReplayStore {
  /** Keep the id until `expiresAt` (epoch milliseconds; after it the timestamp check refuses the
   * delivery anyway); false, atomically, when it is already kept. */
  add(id: string, expiresAt: number): boolean | Promise<boolean>;
}

export interface VerifyWebhookOptions {
  /** Seconds the timestamp may be from now, either way (default 300). */
  toleranceSeconds?: number;
  /** Now, for tests: a Date or epoch milliseconds (as `Date.now()`). */
  now?: Date | number;
  /** The ids accepted before: a replay is refused. */
  seen?: ReplayStore;
}

/** Request headers: a fetch `Headers`, or a record such as Node's `IncomingHttpHeaders`. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/** A ReplayStore in this process's memory. An id is dropped once a newer one expires more than
 * `windowMs` after it: by then every delivery carrying it is out of tolerance, provided the window is
 * at least twice the tolerance (the default, one hour, is for tolerances up to 30 minutes). */
export class MemoryReplayStore implements ReplayStore {
  readonly #windowMs: number;
  readonly #ids = new Map<string, number>();

  constructor(windowMs = 3_600_000) {
    this.#windowMs = windowMs;
  }

  add(id: string, expiresAt: number): boolean {
    if (this.#ids.has(id)) return false;
    const horizon = expiresAt - this.#windowMs;
    for (const [old, until] of this.#ids) if (until < horizon) this.#ids.delete(old);
    this.#ids.set(id, expiresAt);
    return true;
  }
}

/** The delivery's event if it is the service's, unchanged, recent and (with `seen`) new; else a
 * rejected WebhookVerificationError. `secret` is one `whsec_…` secret or several (any may match);
 * a malformed secret is a configuration error: TypeError. The id is kept in `seen` only once
 * everything else has verified, so a forged delivery cannot block the genuine one. */
export async function verifyWebhook(
  payload: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string | string[],
  options: VerifyWebhookOptions = {},
): Promise<WebhookEvent> {
  const tolerance = options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new RangeError("toleranceSeconds is a non-negative number");
  const keys = (Array.isArray(secret) ? secret : [secret]).map(keyBytes);
  if (keys.length === 0) throw new TypeError("give at least one webhook secret");
  if (typeof payload !== "string" && !(payload instanceof Uint8Array)) {
    throw new TypeError("pass the body as received (a string or bytes): a re-serialised one does not verify");
  }
  const body = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;

  const id = single(header(headers, "webhook-id"));
  const stamp = single(header(headers, "webhook-timestamp"))?.trim();
  const given = header(headers, "webhook-signature")?.join(" ");
  if (!id || !stamp || !given) {
    throw new WebhookVerificationError("headers", "missing webhook-id, webhook-timestamp or webhook-signature");
  }
  if (!/^[0-9]+$/.test(stamp)) throw new WebhookVerificationError("timestamp", "webhook-timestamp is not integer seconds");
  const at = Number(stamp);
  const nowMs = options.now === undefined ? Date.now() : typeof options.now === "number" ? options.now : options.now.getTime();
  if (Math.abs(Math.floor(nowMs / 1000) - at) > tolerance) {
    throw new WebhookVerificationError("timestamp", `webhook-timestamp is more than ${tolerance} s from now`);
  }

  const signed = concat(new TextEncoder().encode(`${id}.${stamp}.`), body);
  const expected = await Promise.all(keys.map(async (key) => ascii(`${VERSION},${base64(await hmacSha256(key, signed))}`)));
  // Every signature is compared with every secret's, each in constant time: no early exit tells
  // which one came close.
  let matched = 0;
  for (const candidate of given.split(" ")) {
    if (!candidate) continue;
    const bytes = ascii(candidate);
    for (const want of expected) matched |= constantTimeEqual(want, bytes);
  }
  if (matched === 0) throw new WebhookVerificationError("signature", "no webhook-signature matches the secret");

  const event = envelope(body, id);
  if (options.seen !== undefined && !(await options.seen.add(id, (at + tolerance) * 1000))) {
    throw new WebhookVerificationError("replay", `webhook-id ${id} was accepted before (a replay)`);
  }
  return event;
}

/** The HMAC key of a `whsec_<base64>` secret (the prefix may be left off, as the official libraries
 * allow). */
function keyBytes(secret: string): Uint8Array {
  if (typeof secret !== "string") throw new TypeError("a webhook secret is a whsec_… string");
  let text = secret.trim();
  if (text.startsWith(WEBHOOK_SECRET_PREFIX)) text = text.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.replace(/=+$/, "").length % 4 === 1) {
    throw new TypeError("a webhook secret is whsec_ followed by base64");
  }
  const raw = Uint8Array.from(atob(text + "=".repeat((4 - (text.length % 4)) % 4)), (c) => c.charCodeAt(0));
  if (raw.length < MIN_KEY_BYTES) throw new TypeError(`a webhook secret holds at least ${MIN_KEY_BYTES} bytes`);
  return raw;
}

/** A header's values, its name in any case; undefined when absent. */
function header(headers: WebhookHeaders, name: string): string[] | undefined {
  if (typeof (headers as Headers).get === "function" && typeof (headers as Headers).forEach === "function") {
    const value = (headers as Headers).get(name);
    return value === null ? undefined : [value];
  }
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    values.push(...(Array.isArray(value) ? value : [value]));
  }
  return values.length > 0 ? values : undefined;
}

/** The one value of a header that must not repeat ("" when it does, which refuses the delivery). */
function single(values: string[] | undefined): string | undefined {
  if (values === undefined) return undefined;
  return values.length === 1 ? values[0] : "";
}

function envelope(body: Uint8Array, id: string): WebhookEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch (error) {
    throw new WebhookVerificationError("body", `the body is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const fields = isRecord(parsed) ? parsed : undefined;
  const { type, timestamp, data } = fields ?? {};
  if (typeof type !== "string" || typeof timestamp !== "string" || Number.isNaN(Date.parse(timestamp)) || !isRecord(data)) {
    throw new WebhookVerificationError("body", "the body is not a webhook event {type, timestamp, data}");
  }
  return { ...fields, id, type, timestamp, data };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** 1 when equal, else 0; its time depends on the lengths only. */
function constantTimeEqual(want: Uint8Array, got: Uint8Array): number {
  let diff = want.length ^ got.length;
  for (let i = 0; i < want.length; i++) diff |= want[i]! ^ (got[i % Math.max(got.length, 1)] ?? 0);
  return diff === 0 ? 1 : 0;
}

function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function base64(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

/** Web Crypto where it is global (browsers, Node 19+), node:crypto's webcrypto on Node 18. */
async function subtle(): Promise<SubtleCrypto> {
  const web = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto;
  if (web?.subtle) return web.subtle;
  const name = "node:crypto"; // a variable: browser bundlers leave it alone, browsers never get here
  const { webcrypto } = (await import(name)) as { webcrypto: { subtle: SubtleCrypto } };
  return webcrypto.subtle;
}

async function hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const crypto = await subtle();
  const imported = await crypto.importKey("raw", key as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.sign("HMAC", imported, data as BufferSource));
}
