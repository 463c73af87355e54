/** `new WalletsClient({ baseUrl, auth })`: the resources, and `request()` for any route of the document. */

import { Core, type ClientOptions } from "./core.js";
import { Codes, Holds, Lots, TopUps, Transactions, Wallets } from "./resources.js";
import type { AnswerOf, MethodOf, Path, RouteOptions, WithResponse } from "./types.js";

export class WalletsClient {
  readonly wallets: Wallets;
  readonly transactions: Transactions;
  readonly lots: Lots;
  readonly holds: Holds;
  readonly topUps: TopUps;
  readonly codes: Codes;
  private readonly core: Core;

  /**
   * `new WalletsClient({ baseUrl: "https://<api>.execute-api.<region>.amazonaws.com/prod" })` signs
   * with SigV4 from the default AWS credential chain; `auth: null` for the local server (`make run`).
   */
  constructor(options: ClientOptions) {
    this.core = new Core(options);
    this.wallets = new Wallets(this.core);
    this.transactions = new Transactions(this.core);
    this.lots = new Lots(this.core);
    this.holds = new Holds(this.core);
    this.topUps = new TopUps(this.core);
    this.codes = new Codes(this.core);
  }

  /** Any route of docs/openapi.json, typed by it, with the same signing, idempotency and retries:
   * `client.request("get", "/wallets/{wallet_id}/lots", { params: { wallet_id } })`. */
  request<P extends Path, M extends MethodOf<P>>(
    method: M,
    path: P,
    options: RouteOptions<P, M>,
  ): Promise<WithResponse<AnswerOf<P, M>>> {
    return this.core.request(method, path, options);
  }
}
