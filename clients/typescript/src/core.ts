/**
 * Sending: the request a route becomes, SigV4, the Idempotency-Key, retries, and how an answer
 * becomes a result or an error. The rules are the Python client's (clients/python/.../_core.py):
 *
 * - Every POST, PUT, PATCH and DELETE carries an Idempotency-Key, the caller's or a new UUID, made
 *   before the first attempt and sent again by every retry, so a retry after a lost answer moves
 *   money once.
 * - Retried: 429, 5xx, 409 `concurrent_modification` (nothing was written) and network errors or
 *   timeouts, at most `maxRetries` times, after the server's Retry-After or full-jitter exponential
 *   backoff (0.25 s doubling, at most 8 s). Anything else is final, and so is an answer whose
 *   Retry-After is over 20 s (a call should not block that long; the error has the headers).
 */

import { APIConnectionError, WalletsError, errorFromResponse, isConcurrentModification } from "./errors.js";
import { Signer, type SigV4Options } from "./signer.js";
import type {
  AnswerOf,
  HttpMethod,
  MethodOf,
  Path,
  ResponseMeta,
  RouteOptions,
  WithResponse,
} from "./types.js";

/** The subset of `fetch` the client calls (pass one for proxies, tests or older runtimes). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** The API's URL: `https://<api-id>.execute-api.<region>.amazonaws.com/<stage>`, or `make run`'s
   * `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** SigV4 with the default AWS credential chain when omitted (or `"sigv4"`); options for another
   * region or credentials; `null` sends unsigned requests (the local server checks none). */
  auth?: "sigv4" | SigV4Options | null;
  /** Retries after the first attempt (default 3). */
  maxRetries?: number;
  /** Each attempt's time limit in milliseconds (default 10,000); a timeout is retried like a
   * network error. */
  timeoutMs?: number;
  /** Default: the global fetch. */
  fetch?: FetchLike;
}

const MUTATING: ReadonlySet<string> = new Set(["post", "put", "patch", "delete"]);
const MAX_RETRY_AFTER_MS = 20_000;
const MAX_BACKOFF_MS = 8_000;
const FIRST_BACKOFF_MS = 250;
const USER_AGENT = "wallets-client-typescript/0.1";

type QueryValue = string | number | boolean | null | undefined | ReadonlyArray<string | number | boolean>;

/** A request's answer, read once. */
interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export class Core {
  readonly baseUrl: string;
  readonly maxRetries: number;
  readonly timeoutMs: number;
  private readonly signer: Signer | undefined;
  private readonly fetcher: FetchLike;

  constructor(options: ClientOptions) {
    if (!options || typeof options.baseUrl !== "string" || !/^https?:\/\//.test(options.baseUrl)) {
      throw new TypeError("new WalletsClient({ baseUrl: 'https://…' | 'http://127.0.0.1:3000', auth })");
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.maxRetries = options.maxRetries ?? 3;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const auth = options.auth === undefined ? "sigv4" : options.auth;
    this.signer = auth === null ? undefined : new Signer(this.baseUrl, auth === "sigv4" ? {} : auth);
    const fetcher = options.fetch ?? (globalThis.fetch as FetchLike | undefined);
    if (!fetcher) throw new TypeError("no fetch: use Node 18+ or pass options.fetch");
    this.fetcher = fetcher;
  }

  /** Send one route of the document, typed by it; retried as the module docstring says. */
  async request<P extends Path, M extends MethodOf<P>>(
    method: M,
    path: P,
    options: RouteOptions<P, M>,
  ): Promise<WithResponse<AnswerOf<P, M>>> {
    const url = this.url(path, options.params as Record<string, string> | undefined, options.query);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const key = MUTATING.has(method) ? (options.idempotencyKey ?? (await newIdempotencyKey())) : undefined;
    const answer = await this.send(method.toUpperCase(), url, body, key);
    return withResponse(answer.body as AnswerOf<P, M>, meta(answer, key));
  }

  private url(path: string, params: Record<string, string> | undefined, query: unknown): URL {
    const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => segment(params?.[name], name));
    const search = queryString(query as Record<string, QueryValue> | undefined);
    return new URL(this.baseUrl + filled + (search ? `?${search}` : ""));
  }

  private async send(method: string, url: URL, body: string | undefined, key: string | undefined): Promise<Answer> {
    let headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (key !== undefined) headers["idempotency-key"] = key;
    for (let attempt = 0; ; attempt++) {
      let answer: Answer | undefined;
      try {
        // Signed per attempt: X-Amz-Date must be fresh, and credentials may have been refreshed.
        const sent = this.signer ? await this.signer.sign({ method, url, headers, body }) : headers;
        answer = await this.attempt(method, url, { ...sent, "user-agent": USER_AGENT }, body);
      } catch (error) {
        if (error instanceof WalletsError) throw error; // no credentials: retrying cannot help
        const wait = retryDelay(attempt, this.maxRetries, undefined);
        if (wait === undefined) {
          throw new APIConnectionError(`could not reach the Wallets API: ${describe(error)}`, {
            cause: error,
            idempotencyKey: key,
          });
        }
        await sleep(wait);
        continue;
      }
      const wait = retryDelay(attempt, this.maxRetries, answer);
      if (wait === undefined) {
        if (answer.status >= 400) {
          throw errorFromResponse(answer.status, answer.body, answer.text, {
            requestId: requestIdOf(answer.headers),
            idempotencyKey: key,
            headers: answer.headers,
          });
        }
        if (typeof answer.body !== "object" || answer.body === null) {
          // Not what the document says any route answers (a proxy's page, a cut-off body).
          throw new WalletsError(`the answer is not a JSON object: ${answer.text.slice(0, 200)}`, {
            status: answer.status,
            requestId: requestIdOf(answer.headers),
            idempotencyKey: key,
            headers: answer.headers,
          });
        }
        return answer;
      }
      await sleep(wait);
    }
  }

  private async attempt(method: string, url: URL, headers: Record<string, string>, body: string | undefined): Promise<Answer> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`no answer in ${this.timeoutMs} ms`)), this.timeoutMs);
    try {
      const init: RequestInit = { method, headers, signal: controller.signal };
      if (body !== undefined) init.body = body;
      const response = await this.fetcher(url.toString(), init);
      const text = await response.text(); // inside the timer: a body cut off is a network error too
      let parsed: unknown = undefined;
      if (text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Milliseconds to wait before retrying, or undefined when the outcome is final. `answer` is
 * undefined for a network error or timeout. Exported for the tests.
 */
export function retryDelay(
  attempt: number,
  maxRetries: number,
  answer: Pick<Answer, "status" | "headers" | "body"> | undefined,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= maxRetries) return undefined;
  if (answer) {
    const { status } = answer;
    if (status < 400) return undefined;
    if (!(status === 429 || status >= 500 || isConcurrentModification(status, answer.body))) return undefined;
    const after = retryAfterMs(answer.headers.get("retry-after"));
    // Longer than a call should block: the caller decides (the error carries the headers).
    if (after !== undefined) return after <= MAX_RETRY_AFTER_MS ? after : undefined;
  }
  return random() * Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** attempt); // full jitter
}

/** Retry-After as seconds or an HTTP date. */
function retryAfterMs(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function segment(value: unknown, name: string): string {
  if (typeof value !== "string" && typeof value !== "number") throw new TypeError(`${name} is required`);
  const text = String(value);
  // An HTTP stack would resolve these to another route.
  if (text === "" || text === "." || text === "..") throw new TypeError(`${JSON.stringify(text)} is not an id (${name})`);
  return rfc3986(text);
}

/** encodeURIComponent plus !'()*: what SigV4 canonicalises, so what is sent is what is signed. */
function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function queryString(query: Record<string, QueryValue> | undefined): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) parts.push(`${rfc3986(key)}=${rfc3986(String(item))}`);
  }
  return parts.join("&");
}

function requestIdOf(headers: Headers): string | undefined {
  return headers.get("x-amzn-requestid") ?? headers.get("x-amz-apigw-id") ?? undefined;
}

function meta(answer: Answer, key: string | undefined): ResponseMeta {
  const replayed = answer.headers.get("idempotent-replayed");
  return {
    status: answer.status,
    headers: answer.headers,
    requestId: requestIdOf(answer.headers),
    idempotencyKey: key,
    idempotentReplayed: replayed === null ? undefined : replayed.trim().toLowerCase() === "true",
  };
}

/** The answer with a non-enumerable `lastResponse` (JSON.stringify and deepEqual never see it). */
export function withResponse<T extends object>(body: T, response: ResponseMeta): WithResponse<T> {
  Object.defineProperty(body, "lastResponse", { value: response, enumerable: false });
  return body as WithResponse<T>;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A random UUID: Web Crypto where it is global (browsers, Node 19+), node:crypto on Node 18. */
async function newIdempotencyKey(): Promise<string> {
  const web = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (web?.randomUUID) return web.randomUUID();
  const name = "node:crypto"; // a variable: browser bundlers leave it alone, browsers never get here
  const { randomUUID } = (await import(name)) as { randomUUID: () => string };
  return randomUUID();
}
