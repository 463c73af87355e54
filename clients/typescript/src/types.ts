/**
 * Every type of the API, derived from docs/openapi.json (`npm run generate` writes
 * src/generated/openapi.ts with openapi-typescript at build time). Types are read through routes
 * (path, method, status), not schema names, so a renamed schema or operation changes nothing here.
 */

import type { paths } from "./generated/openapi.js";

export type { paths, components } from "./generated/openapi.js";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";
export type Path = keyof paths;

type Op<P extends Path, M extends HttpMethod> = Exclude<paths[P][M], undefined>;

/** The methods a path has in the document. */
export type MethodOf<P extends Path> = {
  [M in HttpMethod]: [Op<P, M>] extends [never] ? never : M;
}[HttpMethod];

type JsonOf<T> = T extends { content: { "application/json": infer B } } ? B : never;

/** The JSON body a route takes (undefined when it takes none). */
export type BodyOf<P extends Path, M extends MethodOf<P>> =
  Op<P, M> extends { requestBody?: infer R }
    ? [Exclude<R, undefined>] extends [never]
      ? undefined
      : JsonOf<Exclude<R, undefined>>
    : undefined;

/** Whether a route's body may be left out (`requestBody` not required). */
type BodyOptional<P extends Path, M extends MethodOf<P>> =
  Op<P, M> extends { requestBody: unknown } ? false : true;

/** A route's path parameters (never when it has none). */
export type PathParamsOf<P extends Path, M extends MethodOf<P>> =
  Op<P, M> extends { parameters: { path: infer X } } ? X : never;

/** A route's query parameters. */
export type QueryOf<P extends Path, M extends MethodOf<P>> =
  Op<P, M> extends { parameters: { query?: infer Q } } ? Exclude<Q, undefined> : never;

type Success = 200 | 201 | 202 | 204;

/** What a route answers on success (any 2xx it documents). */
export type AnswerOf<P extends Path, M extends MethodOf<P>, S extends number = Success> =
  Op<P, M> extends { responses: infer R }
    ? { [K in keyof R]: K extends S ? JsonOf<R[K]> : never }[keyof R]
    : never;

/** Per-call options of every method: a mutating call's Idempotency-Key (one is made when omitted). */
export interface CallOptions {
  idempotencyKey?: string;
}

/** The arguments of `client.request(method, path, options)` for one route of the document. */
export type RouteOptions<P extends Path, M extends MethodOf<P>> = CallOptions & {
  query?: QueryOf<P, M>;
} & ([PathParamsOf<P, M>] extends [never] ? { params?: undefined } : { params: PathParamsOf<P, M> }) &
  ([BodyOf<P, M>] extends [undefined]
    ? { body?: undefined }
    : BodyOptional<P, M> extends true
      ? { body?: BodyOf<P, M> }
      : { body: BodyOf<P, M> });

/** What the client knows of the HTTP answer behind a result (stripe-node's `lastResponse`). */
export interface ResponseMeta {
  readonly status: number;
  readonly headers: Headers;
  /** API Gateway's request id (`x-amzn-RequestId`), for support requests and logs. */
  readonly requestId: string | undefined;
  /** The Idempotency-Key the call was sent with (mutating calls only). */
  readonly idempotencyKey: string | undefined;
  /** `Idempotent-Replayed` as the server sent it: true when this is the answer of an earlier
   * request with the same key; undefined when the server did not say. */
  readonly idempotentReplayed: boolean | undefined;
}

/** A result with the HTTP answer it came from (a non-enumerable `lastResponse`). */
export type WithResponse<T> = T & { readonly lastResponse: ResponseMeta };

// Named answers and bodies, read from the routes that carry them.
export type Wallet = AnswerOf<"/wallets/{wallet_id}", "get">;
export type WalletList = AnswerOf<"/wallets", "get">;
export type Balance = AnswerOf<"/customers/{customer_id}/balances/{currency}", "get">;
export type BalanceList = AnswerOf<"/customers/{customer_id}/balances", "get">;
export type Transaction = AnswerOf<"/wallets/{wallet_id}/transactions/{transaction_id}", "get">;
export type TransactionList = AnswerOf<"/wallets/{wallet_id}/transactions", "get">;
export type RemainderCharge = AnswerOf<"/wallets/{wallet_id}/debits", "post", 202>;
export type LotList = AnswerOf<"/wallets/{wallet_id}/lots", "get">;
export type Lot = LotList["data"][number];
export type Hold = AnswerOf<"/wallets/{wallet_id}/holds/{hold_id}/capture", "post">;
export type HoldList = AnswerOf<"/wallets/{wallet_id}/holds", "get">;
export type TopUp = AnswerOf<"/wallets/{wallet_id}/top-ups/{top_up_id}", "get">;
export type TopUpList = AnswerOf<"/wallets/{wallet_id}/top-ups", "get">;
export type SetupIntent = AnswerOf<"/wallets/{wallet_id}/payment-methods/setup", "post">;
export type Code = AnswerOf<"/codes/{code_id}", "get">;
export type CodeList = AnswerOf<"/codes", "get">;

export type CreateWalletParams = BodyOf<"/wallets", "post">;
export type UpdateWalletParams = BodyOf<"/wallets/{wallet_id}", "patch">;
export type CloseWalletParams = NonNullable<BodyOf<"/wallets/{wallet_id}/close", "post">>;
export type CreditParams = BodyOf<"/wallets/{wallet_id}/credits", "post">;
export type DebitParams = BodyOf<"/wallets/{wallet_id}/debits", "post">;
export type VoidParams = BodyOf<"/wallets/{wallet_id}/voids", "post">;
export type AdjustParams = BodyOf<"/wallets/{wallet_id}/adjustments", "post">;
export type RefundParams = BodyOf<"/wallets/{wallet_id}/refunds", "post">;
export type RedeemParams = BodyOf<"/wallets/{wallet_id}/redemptions", "post">;
export type GrantParams = BodyOf<"/customers/{customer_id}/balances/{currency}/grant", "post">;
export type RevokeParams = BodyOf<"/customers/{customer_id}/balances/{currency}/revoke", "post">;
export type CreateHoldParams = BodyOf<"/wallets/{wallet_id}/holds", "post">;
export type CaptureHoldParams = NonNullable<BodyOf<"/wallets/{wallet_id}/holds/{hold_id}/capture", "post">>;
export type CreateTopUpParams = BodyOf<"/wallets/{wallet_id}/top-ups", "post">;
export type CreateCodeParams = BodyOf<"/codes", "post">;
export type ListWalletsParams = Omit<QueryOf<"/wallets", "get">, "cursor">;
export type ListTransactionsParams = Omit<QueryOf<"/wallets/{wallet_id}/transactions", "get">, "cursor">;
export type ListHoldsParams = Omit<QueryOf<"/wallets/{wallet_id}/holds", "get">, "cursor">;
export type ListTopUpsParams = Omit<QueryOf<"/wallets/{wallet_id}/top-ups", "get">, "cursor">;
export type ListCodesParams = Omit<QueryOf<"/codes", "get">, "cursor">;

/** An ISO 4217 code the API accepts (the document's list). */
export type Currency = CreateWalletParams["currency"];
