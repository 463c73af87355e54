// The staff dashboard: signs in (make run's development sign-in, or the staff user pool's hosted UI
// with code + PKCE and the identity pool), then signs every API call with the role's short-lived
// credentials (SigV4, aws4fetch). Credentials and tokens stay in this module's memory: never in
// storage or a URL. Read-only views in this slice: Find and a wallet's page.
import { AwsClient } from "./aws4fetch.js";

const API = new URL(".", location.href); // the API's base: /dashboard's directory (the stage)
const PAGE = 50; // rows a page of history or lots
const $ = (id) => document.getElementById(id);
let settings = null;
let session = null; // {client, user, role, expiration}

function say(text) { $("status").textContent = text; }

function show(id, visible) { $(id).hidden = !visible; }

async function call(method, path, body) {
  if (!session) throw new Error("Not signed in");
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const answer = await session.client.fetch(new URL(path.replace(/^\//, ""), API).href, init);
  const data = await answer.json().catch(() => ({}));
  if (!answer.ok) {
    const message = (data.error && data.error.message) || data.message || `HTTP ${answer.status}`;
    const error = new Error(answer.status === 403 ? `Refused for your role: ${message}` : message);
    error.status = answer.status;
    throw error;
  }
  return data;
}

// ------------------------------------------------------------------ sign-in

function signedIn(credentials, user, role) {
  session = {
    client: new AwsClient({
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      service: "execute-api",
      region: settings.region,
    }),
    user, role, expiration: credentials.expiration,
  };
  $("who-name").textContent = user;
  $("who-role").textContent = role;
  show("who", true);
  show("signed-out", false);
  show("find", true);
  say("");
  $("find-id").focus();
}

async function localSignIn(event) {
  event.preventDefault();
  const user = $("staff-user").value.trim();
  const role = $("staff-role").value;
  const url = new URL(settings.localLogin, API);
  url.search = new URLSearchParams({ user, role }).toString();
  const answer = await fetch(url, { headers: { Accept: "application/json" } });
  const data = await answer.json();
  if (!answer.ok) { say(data.message || "Sign-in refused"); return; }
  signedIn(data.credentials, data.user, data.role);
}

function b64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomText() { return b64url(crypto.getRandomValues(new Uint8Array(32))); }

function redirectUri() { return new URL("dashboard", API).href; }

// Deployed: the staff user pool's hosted UI (code + PKCE); the verifier and state live in
// sessionStorage only across the redirect, and are removed when the page comes back.
async function cognitoSignIn() {
  const verifier = randomText();
  const state = randomText();
  sessionStorage.setItem("dashboard-pkce", JSON.stringify({ verifier, state }));
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const url = new URL("/oauth2/authorize", settings.authDomain);
  url.search = new URLSearchParams({
    response_type: "code", client_id: settings.clientId, redirect_uri: redirectUri(),
    scope: "openid email", state, code_challenge: challenge, code_challenge_method: "S256",
  }).toString();
  location.assign(url.href);
}

async function identityCall(target, body) {
  const answer = await fetch(`https://cognito-identity.${settings.region}.amazonaws.com/`, {
    method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `AWSCognitoIdentityService.${target}` },
    body: JSON.stringify(body),
  });
  const data = await answer.json();
  if (!answer.ok) throw new Error(data.message || data.__type || "The identity pool refused");
  return data;
}

async function cognitoCallback() {
  const params = new URLSearchParams(location.search);
  const saved = JSON.parse(sessionStorage.getItem("dashboard-pkce") || "null");
  sessionStorage.removeItem("dashboard-pkce");
  history.replaceState(null, "", redirectUri()); // the code leaves the address bar
  if (!saved || params.get("state") !== saved.state) { say("That sign-in was not started here."); return; }
  const token = await fetch(new URL("/oauth2/token", settings.authDomain), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", client_id: settings.clientId, code: params.get("code"),
      redirect_uri: redirectUri(), code_verifier: saved.verifier,
    }),
  }).then((r) => r.json());
  if (!token.id_token) { say("Sign-in failed."); return; }
  const claims = JSON.parse(atob(token.id_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  const provider = `cognito-idp.${settings.region}.amazonaws.com/${settings.userPoolId}`;
  const logins = { [provider]: token.id_token };
  const { IdentityId } = await identityCall("GetId", { IdentityPoolId: settings.identityPoolId, Logins: logins });
  const { Credentials } = await identityCall("GetCredentialsForIdentity", { IdentityId, Logins: logins });
  const groups = claims["cognito:groups"] || [];
  signedIn(
    { accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretKey,
      sessionToken: Credentials.SessionToken, expiration: Credentials.Expiration },
    claims.email || claims.sub, groups.includes("operator") ? "operator" : "viewer",
  );
}

function signOut() {
  session = null;
  show("who", false); show("find", false); show("wallet", false);
  show("signed-out", true);
  $("results").replaceChildren();
  say("Signed out.");
  if (!settings.localLogin && settings.authDomain) {
    const url = new URL("/logout", settings.authDomain);
    url.search = new URLSearchParams({ client_id: settings.clientId, logout_uri: redirectUri() }).toString();
    location.assign(url.href);
  }
}

// ------------------------------------------------------------------ rendering helpers

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (className) td.className = className;
  row.append(td);
  return td;
}

function when(value) {
  if (!value) return "never";
  const date = new Date(typeof value === "number" ? value : Date.parse(value));
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

function actorText(actor) {
  if (!actor) return "";
  if (session && actor === `staff:${session.user}`) return `${actor} (you)`;
  return actor;
}

function walletButton(wallet) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "link";
  button.textContent = wallet.id;
  button.addEventListener("click", () => openWallet(wallet.id));
  return button;
}

let listNext = null; // () => Promise: the next page of the shown wallet list

function renderWallets(list, append) {
  let table = $("results").querySelector("table");
  if (!append || !table) {
    table = document.createElement("table");
    table.innerHTML = '<caption class="visually-hidden">Wallets found</caption><thead><tr><th scope="col">Wallet</th><th scope="col">Customer</th><th scope="col">Currency</th><th scope="col">Status</th><th scope="col" class="num">Balance</th></tr></thead><tbody></tbody>';
    $("results").replaceChildren(table);
  }
  for (const wallet of list) {
    const row = document.createElement("tr");
    const first = cell(row, "");
    first.append(walletButton(wallet));
    cell(row, wallet.customer_id); cell(row, wallet.currency); cell(row, wallet.status);
    cell(row, wallet.balance_formatted, "num");
    table.tBodies[0].append(row);
  }
  if (!table.tBodies[0].rows.length) $("results").textContent = "Nothing found.";
}

async function listWallets(query) {
  const page = async (cursor) => {
    const params = new URLSearchParams(query);
    params.set("limit", "20");
    if (cursor) params.set("cursor", cursor);
    const answer = await call("GET", `wallets?${params}`);
    renderWallets(answer.data, Boolean(cursor));
    listNext = answer.has_more ? () => page(answer.next_cursor) : null;
    show("results-more", Boolean(listNext));
  };
  await page(null);
}

async function find(event) {
  event.preventDefault();
  $("find-error").textContent = "";
  const kind = $("find-kind").value;
  const words = $("find-id").value.trim().split(/\s+/);
  try {
    if (kind === "customer") await listWallets({ customer_id: words[0] });
    else if (kind === "wallet") await openWallet(words[0]);
    else {
      if (words.length !== 2) throw new Error("Give the wallet id and the transaction id");
      const txn = await call("GET", `wallets/${encodeURIComponent(words[0])}/transactions/${encodeURIComponent(words[1])}`);
      $("results").replaceChildren(describeTransaction(txn));
      show("results-more", false);
    }
  } catch (error) {
    $("find-error").textContent = error.message;
  }
}

function describeTransaction(txn) {
  const list = document.createElement("dl");
  list.className = "amounts";
  for (const [label, value] of [["Transaction", txn.id], ["Type", txn.type], ["Amount", txn.amount_formatted],
    ["Balance after", txn.balance_after_formatted], ["Who", actorText(txn.actor)], ["When", when(txn.created_at)]]) {
    const dt = document.createElement("dt"); dt.textContent = label;
    const dd = document.createElement("dd"); dd.textContent = value == null ? "" : String(value);
    list.append(dt, dd);
  }
  return list;
}

async function listByStatus(event) {
  event.preventDefault();
  $("find-error").textContent = "";
  const query = {};
  if ($("list-status").value) query.status = $("list-status").value;
  if ($("list-currency").value.trim()) query.currency = $("list-currency").value.trim().toUpperCase();
  try { await listWallets(query); } catch (error) { $("find-error").textContent = error.message; }
}

// ------------------------------------------------------------------ a wallet's page

let lotsNext = null;
let historyNext = null;

function pager(path, render, setNext) {
  const page = async (cursor) => {
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (cursor) params.set("cursor", cursor);
    const answer = await call("GET", `${path}?${params}`);
    render(answer.data);
    setNext(answer.has_more ? () => page(answer.next_cursor) : null);
  };
  return page(null);
}

async function openWallet(id) {
  const wallet = await call("GET", `wallets/${encodeURIComponent(id)}`);
  $("wallet-title").textContent = `Wallet ${wallet.id}`;
  $("wallet-meta").textContent = `Customer ${wallet.customer_id} · ${wallet.currency} · ${wallet.status} · opened ${when(wallet.created_at)}`;
  const amounts = $("wallet-amounts");
  amounts.replaceChildren();
  for (const [label, key] of [["Balance", "balance"], ["Pending", "pending"], ["Available", "available"], ["Withdrawable", "withdrawable"]]) {
    const dt = document.createElement("dt"); dt.textContent = label;
    const dd = document.createElement("dd"); dd.textContent = wallet[`${key}_formatted`]; dd.className = key;
    amounts.append(dt, dd);
  }
  const byType = $("by-type").tBodies[0];
  byType.replaceChildren();
  for (const [type, value] of Object.entries(wallet.balances_by_type || {})) {
    const row = byType.insertRow(); cell(row, type); cell(row, value.amount_formatted, "num");
  }
  const byScope = $("by-scope").tBodies[0];
  byScope.replaceChildren();
  for (const scope of wallet.balances_by_scope || []) {
    const row = byScope.insertRow();
    cell(row, scope.applies_to ? scope.applies_to.join(", ") : "anything");
    cell(row, scope.available_formatted, "num"); cell(row, scope.balance_formatted, "num");
  }
  const base = `wallets/${encodeURIComponent(wallet.id)}`;
  $("lots").tBodies[0].replaceChildren();
  $("history").tBodies[0].replaceChildren();
  $("holds").tBodies[0].replaceChildren();
  await Promise.all([
    pager(`${base}/lots`, (lots) => {
      for (const lot of lots) {
        const row = $("lots").tBodies[0].insertRow();
        cell(row, when(lot.expires_at)); cell(row, lot.funding_type);
        cell(row, lot.applies_to ? lot.applies_to.join(", ") : "anything"); cell(row, lot.remaining_formatted, "num");
      }
    }, (next) => { lotsNext = next; show("lots-more", Boolean(next)); }),
    pager(`${base}/transactions`, (txns) => {
      for (const txn of txns) {
        const row = $("history").tBodies[0].insertRow();
        row.dataset.id = txn.id;
        cell(row, when(txn.created_at)); cell(row, txn.type); cell(row, actorText(txn.actor));
        cell(row, txn.description || txn.reason || ""); cell(row, txn.amount_formatted, "num");
        cell(row, txn.balance_after_formatted, "num");
      }
    }, (next) => { historyNext = next; show("history-more", Boolean(next)); }),
    call("GET", `${base}/holds?status=pending&limit=100`).catch(() => call("GET", `${base}/holds?limit=100`)).then((answer) => {
      for (const hold of answer.data.filter((h) => h.status === "pending")) {
        const row = $("holds").tBodies[0].insertRow();
        cell(row, when(hold.created_at)); cell(row, hold.id); cell(row, when(hold.expires_at));
        cell(row, hold.amount_formatted, "num");
      }
    }),
  ]);
  show("wallet", true);
  $("wallet-title").tabIndex = -1;
  $("wallet-title").focus();
}

function more(button, next) {
  $(button).addEventListener("click", async () => {
    const run = next();
    if (run) { try { await run(); } catch (error) { say(error.message); } }
  });
}

// ------------------------------------------------------------------ start

async function start() {
  settings = await fetch(new URL("dashboard/config.json", API)).then((r) => r.json());
  $("local-sign-in").addEventListener("submit", (e) => localSignIn(e).catch((error) => say(error.message)));
  $("sign-in").addEventListener("click", () => cognitoSignIn().catch((error) => say(error.message)));
  $("sign-out").addEventListener("click", signOut);
  $("find-form").addEventListener("submit", find);
  $("list-form").addEventListener("submit", listByStatus);
  more("results-more", () => listNext);
  more("lots-more", () => lotsNext);
  more("history-more", () => historyNext);
  show("signed-out", true);
  if (settings.localLogin) show("local-sign-in", true);
  else if (settings.authDomain) {
    show("sign-in", true);
    if (new URLSearchParams(location.search).has("code")) await cognitoCallback();
  } else say("The dashboard's sign-in is not configured (deploy with DashboardUrl and StaffDomainPrefix).");
}

start().catch((error) => say(error.message));
