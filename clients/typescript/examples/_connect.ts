/**
 * How the examples connect: WALLETS_BASE_URL (default: `make run` on port 3000), signed with SigV4
 * from the default AWS credential chain unless the URL is local or WALLETS_AUTH=none.
 */

import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";

import { WalletsClient } from "wallets-client";

export function connect(): WalletsClient {
  const baseUrl = process.env["WALLETS_BASE_URL"] ?? "http://127.0.0.1:3000";
  const local = /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(baseUrl);
  const unsigned = (process.env["WALLETS_AUTH"] ?? (local ? "none" : "sigv4")) === "none";
  return new WalletsClient({ baseUrl, auth: unsigned ? null : "sigv4" });
}

export function newCustomer(prefix: string): string {
  return `${prefix}_${randomUUID().slice(0, 10)}`;
}

/** Whether a module is the script node was asked to run (`node build/examples/welcome-bonus.js`). */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;
}
