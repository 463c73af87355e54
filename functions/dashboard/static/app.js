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

async function call(method, path, body, key) {
  if (!session) throw new Error("Not signed in");
  if (session.expiration && Date.parse(session.expiration) <= Date.now()) {
    signOut();
    throw new Error("Your sign-in has expired: sign in again.");
  }
  const init = { method, headers: { Accept: "application/json" } };
  if (key) init.headers["Idempotency-Key"] = key;
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const answer = await session.client.fetch(new URL(path.replace(/^\//, ""), API).href, init);
  const data = await answer.json().catch(() => ({}));
  if (!answer.ok) {
    let message = (data.error && data.error.message) || data.message || `HTTP ${answer.status}`;
    // The API's field details: "amount: must be at least 1; reason: required".
    const details = Object.entries((data.error && data.error.details) || {})
      .map(([name, problems]) => `${name}: ${[].concat(problems).join(", ")}`);
    if (details.length) message = `${message} (${details.join("; ")})`;
    // IAM's refusal names the action; any other 403 (an expired or unknown token) is not about the role.
    const refused = answer.status === 403 && /not authorized to perform/.test(message);
    const error = new Error(refused ? `Refused for your role: ${message}` : message);
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
  // A viewer reads and exports; the API refuses any change (the page says so, and still lets them try).
  show("viewer-note", role !== "operator");
  $("actions").open = role === "operator";
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
  current = null;
  show("who", false); show("find", false); show("wallet", false);
  show("signed-out", true);
  $("results").replaceChildren();
  // Nothing of this session is left for the next person: a new code (shown once), lists, forms.
  $("code-shown").textContent = ""; show("code-shown", false);
  $("code-table").tBodies[0].replaceChildren(); show("code-table", false);
  $("payout").textContent = ""; show("payout", false);
  for (const form of document.querySelectorAll("form")) { form.reset(); form.querySelector(".confirm")?.remove(); }
  say("Signed out.");
  if (!settings.localLogin && settings.authDomain) {
    const url = new URL("/logout", settings.authDomain);
    url.search = new URLSearchParams({ client_id: settings.clientId, logout_uri: redirectUri() }).toString();
    location.assign(url.href);
  }
}

// ------------------------------------------------------------------ rendering helpers

// A table cell; it carries its column's heading, which a phone's stacked rows show beside it.
function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (className) td.className = className;
  const heading = row.closest("table")?.tHead?.rows[0]?.cells[row.cells.length];
  if (heading) td.dataset.label = heading.textContent;
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
  button.addEventListener("click", () => {
    $("find-error").textContent = "";
    openWallet(wallet.id).catch((error) => { $("find-error").textContent = error.message; });
  });
  return button;
}

let listNext = null; // () => Promise: the next page of the shown wallet list

function renderWallets(list, append) {
  let table = $("results").querySelector("table");
  if (!append || !table) {
    table = document.createElement("table");
    table.className = "stack";
    table.innerHTML = '<caption class="visually-hidden">Wallets found</caption><thead><tr><th scope="col">Wallet</th><th scope="col">Customer</th><th scope="col">Currency</th><th scope="col">Status</th><th scope="col" class="num">Balance</th></tr></thead><tbody></tbody>';
    $("results").replaceChildren(table);
  }
  for (const wallet of list) {
    const row = table.tBodies[0].insertRow();
    const first = cell(row, "");
    first.append(walletButton(wallet));
    cell(row, wallet.customer_id); cell(row, wallet.currency); cell(row, wallet.status);
    cell(row, wallet.balance_formatted, "num");
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
      // A transaction's id alone names it in the wallet on the page (ids do not say their wallet).
      const [walletId, txnId] = words.length === 1 && current ? [current.id, words[0]] : words;
      if (words.length > 2 || !txnId) throw new Error("Give the wallet id and the transaction id (or open the wallet first)");
      const txn = await call("GET", `wallets/${encodeURIComponent(walletId)}/transactions/${encodeURIComponent(txnId)}`);
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
let topUpsNext = null;
let historyNext = null;
let current = null; // the wallet on the page
let historyQuery = {}; // its history's filter: type, created_after, created_before

function pager(path, render, setNext, query = {}) {
  const page = async (cursor) => {
    const params = new URLSearchParams({ ...query, limit: String(PAGE) });
    if (cursor) params.set("cursor", cursor);
    const answer = await call("GET", `${path}?${params}`);
    render(answer.data);
    setNext(answer.has_more ? () => page(answer.next_cursor) : null);
  };
  return page(null);
}

async function openWallet(id, keepFocus) {
  const wallet = await call("GET", `wallets/${encodeURIComponent(id)}`);
  if (!current || current.id !== wallet.id) { $("payout").textContent = ""; show("payout", false); }
  current = wallet;
  fillSettings(wallet);
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
  $("payouts").tBodies[0].replaceChildren();
  await Promise.all([
    call("GET", `${base}/lots`).then((answer) => showLots(answer.data, 0)),
    loadHistory(),
    loadTopUps(),
    call("GET", `${base}/holds?status=pending&limit=100`).then((answer) => {
      for (const hold of answer.data) {
        const row = $("holds").tBodies[0].insertRow();
        cell(row, when(hold.created_at)); cell(row, hold.id); cell(row, when(hold.expires_at));
        cell(row, hold.amount_formatted, "num");
        const actions = cell(row, "");
        for (const [verb, label] of [["capture", "Capture…"], ["release", "Release…"]]) {
          const form = rowForm(`${verb}-hold`, label, `${label.slice(0, -1)} hold ${hold.id}`, { holdId: hold.id, amount: hold.amount });
          if (verb === "capture") {
            const id = `capture-${hold.id}`;
            const labelEl = document.createElement("label");
            labelEl.htmlFor = id; labelEl.className = "visually-hidden"; labelEl.textContent = `Amount to capture of ${hold.id} (empty: all of it)`;
            const input = document.createElement("input");
            input.id = id; input.name = "amount"; input.type = "text"; input.inputMode = "decimal"; input.size = 8; input.placeholder = "all";
            form.prepend(labelEl, input);
          }
          actions.append(form);
        }
      }
    }),
    call("GET", `${base}/payouts`).then((answer) => {
      const body = $("payouts").tBodies[0];
      for (const payout of answer.data) {
        const row = body.insertRow();
        cell(row, payout.id); cell(row, payout.status);
        cell(row, payout.amount_formatted, "num"); cell(row, payout.refunded_amount_formatted, "num");
      }
    }),
  ]);
  show("wallet", true);
  if (!keepFocus) {
    $("wallet-title").tabIndex = -1;
    $("wallet-title").focus();
  }
}

let shown = []; // the history rows loaded, newest first: the chart is drawn from them
let chart = null;

// GET /lots answers every live lot at once (up to the wallet's maximum): drawn a page at a time.
function showLots(lots, from) {
  for (const lot of lots.slice(from, from + PAGE)) {
    const row = $("lots").tBodies[0].insertRow();
    cell(row, when(lot.expires_at)); cell(row, lot.funding_type);
    cell(row, lot.applies_to ? lot.applies_to.join(", ") : "anything"); cell(row, lot.remaining_formatted, "num");
  }
  lotsNext = from + PAGE < lots.length ? async () => showLots(lots, from + PAGE) : null;
  show("lots-more", Boolean(lotsNext));
}

function loadHistory() {
  $("history").tBodies[0].replaceChildren();
  shown = [];
  return pager(`wallets/${encodeURIComponent(current.id)}/transactions`, (txns) => {
    shown = shown.concat(txns);
    drawChart();
    for (const txn of txns) {
      const row = $("history").tBodies[0].insertRow();
      row.dataset.id = txn.id;
      cell(row, when(txn.created_at)); cell(row, txn.type); cell(row, actorText(txn.actor));
      cell(row, txn.description || txn.reason || ""); cell(row, signed(txn), "num");
      cell(row, txn.balance_after_formatted, "num");
    }
  }, (next) => { historyNext = next; show("history-more", Boolean(next)); }, historyQuery);
}

// Money out shows with a minus sign: the API's amounts are magnitudes (an adjustment says its
// direction).
const MONEY_OUT = new Set(["debit", "void", "expiry", "capture", "close"]);

function isOut(txn) { return MONEY_OUT.has(txn.type) || txn.adjustment_direction === "decrease"; }

function signed(txn) {
  const text = String(txn.amount_formatted || "");
  return isOut(txn) ? `\u2212${text}` : text;
}

// Every top-up, newest first, failed ones too (a failed top-up moved no money: no transaction),
// optionally of one status.
function loadTopUps() {
  $("top-ups").tBodies[0].replaceChildren();
  topUpsNext = null;
  show("top-ups-more", false);
  const status = $("top-ups-status").value;
  return pager(`wallets/${encodeURIComponent(current.id)}/top-ups`, addTopUps,
    (next) => { topUpsNext = next; show("top-ups-more", Boolean(next)); }, status ? { status } : {});
}

function addTopUps(topUps) {
  for (const topUp of topUps) {
    const row = $("top-ups").tBodies[0].insertRow();
    cell(row, when(topUp.created_at)); cell(row, topUp.id);
    cell(row, (topUp.automatic ? "automatic" : "requested") + (topUp.actor ? ` by ${actorText(topUp.actor)}` : ""));
    cell(row, topUp.status + (topUp.failure_message ? ` (${topUp.failure_message})` : ""));
    cell(row, topUp.amount_formatted, "num");
  }
}

// The balance after each transaction loaded (uPlot, vendored): time on x, balance in major units.
function drawChart() {
  const points = shown.slice().reverse();
  const places = digits(current.currency);
  const xs = points.map((t) => Date.parse(t.created_at) / 1000);
  const ys = points.map((t) => t.balance_after / 10 ** places);
  const last = points.length ? points[points.length - 1] : null;
  $("chart-caption").textContent = points.length
    ? `Balance after each of the ${points.length} transactions shown, from ${when(points[0].created_at)} to ${when(last.created_at)}: now ${last.balance_after_formatted}. The history below has the same figures.`
    : "No transactions yet.";
  if (chart) { chart.destroy(); chart = null; }
  if (!window.uPlot || points.length < 2) return;
  // The section may still be hidden (first draw): size from the page's main column.
  const width = Math.max(280, Math.min(1100, document.querySelector("main").clientWidth - 64));
  chart = new window.uPlot({
    width, height: 200,
    scales: { x: { time: true } },
    legend: { show: false },
    cursor: { show: false },
    series: [{}, { label: `Balance (${current.currency})`, stroke: "#0b57d0", width: 2, fill: "rgba(11, 87, 208, 0.08)" }],
    axes: [{ stroke: "#4a5260" }, { stroke: "#4a5260" }],
  }, [xs, ys], $("chart"));
}

function filterHistory(event) {
  event.preventDefault();
  const query = {};
  if ($("filter-type").value) query.type = $("filter-type").value;
  if ($("filter-from").value) query.created_after = `${$("filter-from").value}T00:00:00Z`;
  if ($("filter-to").value) {
    const to = new Date(`${$("filter-to").value}T00:00:00Z`);
    to.setUTCDate(to.getUTCDate() + 1); // the whole of the last day
    query.created_before = to.toISOString();
  }
  historyQuery = query;
  historyNext = null; // no page of the previous filter's list under this one
  show("history-more", false);
  const error = errorOf(event.target);
  error.textContent = "";
  loadHistory().catch((refused) => { error.textContent = refused.message; });
}

// The filtered history, every page of it, as CSV: one row per transaction, amounts in minor units.
// signed_amount: the amount with the table's sign (negative: money out of the wallet).
const CSV_COLUMNS = ["id", "created_at", "type", "currency", "amount", "signed_amount", "balance_after", "available_after", "actor", "description", "reason", "reference"];

function csvField(value) {
  let text = value == null ? "" : String(value);
  // A spreadsheet runs a cell starting with = + - @ as a formula: text fields are kept text.
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function exportCsv() {
  const rows = [CSV_COLUMNS.join(",")];
  let cursor = null;
  do {
    const params = new URLSearchParams({ ...historyQuery, limit: "100" });
    if (cursor) params.set("cursor", cursor);
    const answer = await call("GET", `wallets/${encodeURIComponent(current.id)}/transactions?${params}`);
    for (const txn of answer.data) {
      const row = { ...txn, signed_amount: isOut(txn) ? -txn.amount : txn.amount };
      rows.push(CSV_COLUMNS.map((c) => csvField(row[c])).join(","));
    }
    cursor = answer.has_more ? answer.next_cursor : null;
  } while (cursor);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([rows.join("\r\n") + "\r\n"], { type: "text/csv" }));
  link.download = `${current.id}-history.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  say(`Exported ${rows.length - 1} transactions.`);
}

// ------------------------------------------------------------------ actions

function digits(currency) {
  const known = settings.minorUnits[String(currency).toUpperCase()];
  if (known === undefined) throw new Error(`Unknown currency ${currency}`);
  return known;
}

// "12.5" EUR -> 1250: ISO 4217's minor units, never floating point.
// `zero`: 0 is a value here (a threshold), not a missing amount.
function toMinor(text, currency, signed = false, zero = false) {
  const value = String(text).trim().replace(/^\u2212/, "-");
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value);
  if (!match || (match[1] && !signed)) throw new Error(`${text} is not an amount`);
  const places = digits(currency);
  const fraction = match[3] || "";
  if (fraction.length > places) throw new Error(`${currency} has ${places} decimal places`);
  const minor = BigInt(match[2] + fraction.padEnd(places, "0"));
  if ((minor === 0n && !zero) || minor > 1000000000000000n) throw new Error(`The amount must be between ${zero ? 0 : 1} and 10^15 minor units`);
  return Number(match[1] ? -minor : minor);
}

function major(amount, currency) {
  const places = digits(currency);
  const text = String(Math.abs(amount)).padStart(places + 1, "0");
  const whole = places ? `${text.slice(0, -places)}.${text.slice(-places)}` : text;
  return `${amount < 0 ? "\u2212" : ""}${whole} ${currency}`;
}

function field(form, name) {
  const input = form.elements[name];
  return input.type === "checkbox" ? input.checked : input.value.trim();
}

// A datetime-local field's value (minutes, or seconds) read as UTC, as its label says.
function utc(value) { return value ? `${value}${value.length === 16 ? ":00" : ""}Z` : null; }

function list(value) { return value ? value.split(",").map((v) => v.trim()).filter(Boolean) : null; }

function walletPath(suffix) { return `wallets/${encodeURIComponent(current.id)}${suffix}`; }

function fillSettings(wallet) {
  const form = document.querySelector('form[data-action="settings"]');
  const s = wallet.settings || {};
  form.elements.low_balance_threshold.value = s.low_balance_threshold == null ? "" : major(s.low_balance_threshold, wallet.currency).split(" ")[0];
  form.elements.expiry_warning_days.value = s.expiry_warning_days ?? "";
  form.elements.credit_expiry_days.value = s.credit_expiry_days ?? "";
  form.elements.top_up_amounts.value = (s.top_up_amounts || []).map((a) => major(a, wallet.currency).split(" ")[0]).join(", ");
  form.elements.allow_top_up.checked = Boolean(s.allow_top_up);
  const auto = s.auto_top_up || null;
  const money = (v) => (v == null ? "" : major(v, wallet.currency).split(" ")[0]);
  form.elements.auto_enabled.checked = Boolean(auto && auto.enabled);
  form.elements.auto_threshold.value = auto ? money(auto.threshold) : "";
  form.elements.auto_amount.value = auto ? money(auto.amount) : "";
  form.elements.auto_max_per_day.value = auto && auto.max_per_day != null ? auto.max_per_day : "";
  form.elements.auto_cooldown_seconds.value = auto && auto.cooldown_seconds != null ? auto.cooldown_seconds : "";
  form.elements.auto_payment_method.value = (auto && auto.payment_method) || "";
  const state = wallet.auto_top_up_status;
  $("auto-status").textContent = !state
    ? "Not configured."
    : state.suspended
      ? `Suspended since ${when(state.suspended_at)} (${state.reason}, ${state.failed_attempts} failed in a row): saving these settings resumes it.`
      : `Running; ${state.failed_attempts} failed in a row.`;
}

function autoTopUp(form, currency) {
  const amount = field(form, "auto_amount");
  if (!amount) return undefined; // left as it is
  const auto = { enabled: field(form, "auto_enabled"), amount: toMinor(amount, currency) };
  if (field(form, "auto_threshold")) auto.threshold = toMinor(field(form, "auto_threshold"), currency, false, true);
  if (field(form, "auto_max_per_day")) auto.max_per_day = Number(field(form, "auto_max_per_day"));
  if (field(form, "auto_cooldown_seconds")) auto.cooldown_seconds = Number(field(form, "auto_cooldown_seconds"));
  if (field(form, "auto_payment_method")) auto.payment_method = field(form, "auto_payment_method");
  return auto;
}

// Each action: what it sends, and the sentence the confirmation says.
const ACTIONS = {
  credit(form) {
    const currency = current.currency;
    const amount = toMinor(field(form, "amount"), currency);
    const body = { amount, funding_type: field(form, "funding_type") };
    const expires = utc(field(form, "expires_at"));
    if (expires) body.expires_at = expires;
    const scope = list(field(form, "applies_to"));
    if (scope) body.applies_to = scope;
    for (const name of ["description", "reference"]) if (field(form, name)) body[name] = field(form, name);
    const terms = [body.funding_type, expires ? `expiring ${when(expires)}` : "never expiring", scope ? `for ${scope.join(", ")}` : null].filter(Boolean);
    return { summary: `Credit ${major(amount, currency)} (${terms.join(", ")}) to ${current.id}?`, run: (key) => call("POST", walletPath("/credits"), body, key), done: `Credited ${major(amount, currency)}.` };
  },
  void(form) {
    const amount = toMinor(field(form, "amount"), current.currency);
    const body = { amount };
    if (field(form, "funding_type")) body.funding_type = field(form, "funding_type");
    if (field(form, "reason")) body.reason = field(form, "reason");
    return { summary: `Void ${major(amount, current.currency)} of ${current.id}?`, run: (key) => call("POST", walletPath("/voids"), body, key), done: `Voided ${major(amount, current.currency)}.` };
  },
  adjust(form) {
    const amount = toMinor(field(form, "amount"), current.currency, true);
    const reason = field(form, "reason");
    if (!reason) throw new Error("An adjustment needs a reason");
    return { summary: `Adjust ${current.id} by ${major(amount, current.currency)} (${reason})?`, run: (key) => call("POST", walletPath("/adjustments"), { amount, reason }, key), done: `Adjusted by ${major(amount, current.currency)}.` };
  },
  refund(form) {
    const body = { transaction_id: field(form, "transaction_id") };
    const amount = field(form, "amount") ? toMinor(field(form, "amount"), current.currency) : null;
    if (amount) body.amount = amount;
    if (field(form, "reason")) body.reason = field(form, "reason");
    const what = amount ? major(amount, current.currency) : "all that is refundable";
    return { summary: `Refund ${what} of ${body.transaction_id}?`, run: (key) => call("POST", walletPath("/refunds"), body, key), done: `Refunded ${what}.` };
  },
  settings(form) {
    const currency = current.currency;
    const threshold = field(form, "low_balance_threshold");
    const out = {
      low_balance_threshold: threshold ? toMinor(threshold, currency, false, true) : null,
      allow_top_up: field(form, "allow_top_up"),
      top_up_amounts: (list(field(form, "top_up_amounts")) || []).map((a) => toMinor(a, currency)),
      credit_expiry_days: field(form, "credit_expiry_days") ? Number(field(form, "credit_expiry_days")) : null,
    };
    if (field(form, "expiry_warning_days")) out.expiry_warning_days = Number(field(form, "expiry_warning_days"));
    const auto = autoTopUp(form, currency);
    if (auto) out.auto_top_up = auto;
    const autoText = auto ? `, automatic top-up ${auto.enabled ? "on" : "off"}: ${major(auto.amount, currency)}${auto.threshold != null ? ` below ${major(auto.threshold, currency)}` : ""}${auto.max_per_day ? `, at most ${auto.max_per_day} a day` : ""}` : "";
    const alert = out.low_balance_threshold == null ? "no low-balance alert" : `low-balance alert below ${major(out.low_balance_threshold, currency)}`;
    return { summary: `Save ${current.id}'s settings: ${alert}, top-ups ${out.allow_top_up ? "allowed" : "not allowed"}${autoText}?`, run: (key) => call("PATCH", walletPath(""), { settings: out }, key), done: "Settings saved." };
  },
  freeze() { return { summary: `Freeze ${current.id} (balance ${current.balance_formatted})?`, run: (key) => call("POST", walletPath("/freeze"), {}, key), done: "Frozen." }; },
  unfreeze() { return { summary: `Unfreeze ${current.id} (balance ${current.balance_formatted})?`, run: (key) => call("POST", walletPath("/unfreeze"), {}, key), done: "Unfrozen." }; },
  close(form) {
    const refund = field(form, "refund_to_original_payment");
    return {
      summary: `Close ${current.id} with ${major(current.balance, current.currency)} on it${refund ? ", refunding the original payments" : ""}? This cannot be undone.`,
      run: (key) => call("POST", walletPath("/close"), { refund_to_original_payment: refund }, key),
      done: "Closed.",
      after: (wallet) => {
        const payout = wallet && wallet.payout;
        $("payout").textContent = payout ? `Payout ${payout.id}: ${payout.amount_formatted} (${payout.status}; refunded ${payout.refunded_amount_formatted})` : "No payout.";
        show("payout", true);
      },
    };
  },
  "create-wallet"(form) {
    const currency = field(form, "currency").toUpperCase();
    digits(currency);
    const body = { customer_id: field(form, "customer_id"), currency };
    if (field(form, "low_balance_threshold")) body.settings = { low_balance_threshold: toMinor(field(form, "low_balance_threshold"), currency, false, true) };
    const amount = field(form, "amount") ? toMinor(field(form, "amount"), currency) : null;
    const credit = amount ? { amount, funding_type: field(form, "funding_type") } : null;
    const expires = utc(field(form, "expires_at"));
    if (credit && expires) credit.expires_at = expires;
    const extra = credit ? ` with an initial ${credit.funding_type} credit of ${major(amount, currency)}${expires ? ` expiring ${when(expires)}` : ""}` : "";
    return {
      summary: `Create a ${currency} wallet for ${body.customer_id}${extra}?`,
      run: async (key) => {
        const wallet = await call("POST", "wallets", body, key);
        if (credit) await call("POST", `wallets/${encodeURIComponent(wallet.id)}/credits`, credit, `${key}.credit`);
        return wallet;
      },
      done: "Wallet created.",
      after: (wallet) => openWallet(wallet.id),
    };
  },
  "create-code"(form) {
    const currency = field(form, "currency").toUpperCase();
    const amount = toMinor(field(form, "amount"), currency);
    const body = { amounts: { [currency]: amount } };
    if (field(form, "code")) body.code = field(form, "code");
    if (field(form, "max_redemptions")) body.max_redemptions = Number(field(form, "max_redemptions"));
    return {
      summary: `Create a code worth ${major(amount, currency)}${body.max_redemptions ? `, ${body.max_redemptions} redemptions` : ""}?`,
      run: (key) => call("POST", "codes", body, key),
      done: "Code created.",
      after: (code) => {
        $("code-shown").textContent = `Code ${code.code} (${code.id}): shown once, copy it now.`;
        show("code-shown", true);
        listCodes();
      },
    };
  },
  "capture-hold"(form) {
    const id = form.dataset.holdId;
    const amount = form.elements.amount.value.trim() ? toMinor(form.elements.amount.value, current.currency) : Number(form.dataset.amount);
    return { summary: `Capture ${major(amount, current.currency)} of hold ${id}?`, run: (key) => call("POST", walletPath(`/holds/${encodeURIComponent(id)}/capture`), { amount }, key), done: `Captured ${major(amount, current.currency)}.` };
  },
  "release-hold"(form) {
    const id = form.dataset.holdId;
    return { summary: `Release hold ${id} (${major(Number(form.dataset.amount), current.currency)})?`, run: (key) => call("POST", walletPath(`/holds/${encodeURIComponent(id)}/release`), {}, key), done: "Hold released." };
  },
  "disable-code"(form) {
    const id = form.dataset.codeId;
    return { summary: `Disable code …${form.dataset.last4} (${id})? Nobody can redeem it after.`, run: (key) => call("POST", `codes/${encodeURIComponent(id)}/disable`, {}, key), done: "Code disabled.", after: () => listCodes() };
  },
};

function errorOf(form) {
  let error = form.querySelector(".error");
  if (!error) {
    error = document.createElement("p");
    error.className = "error";
    error.setAttribute("role", "alert");
    form.append(error);
  }
  return error;
}

function clearConfirm(form) {
  const panel = form.querySelector(".confirm");
  if (panel && !form.pending) panel.remove();
}

function prepare(form) {
  if (form.pending) return; // its confirmed submission is still on its way: one at a time
  errorOf(form).textContent = "";
  clearConfirm(form);
  let plan;
  try {
    plan = ACTIONS[form.dataset.action](form);
  } catch (error) {
    errorOf(form).textContent = error.message;
    return;
  }
  const key = crypto.randomUUID(); // this submission's: every Confirm of it sends the same
  const panel = document.createElement("div");
  panel.className = "confirm";
  const text = document.createElement("p");
  text.textContent = plan.summary;
  text.id = `confirm-${key}`;
  const yes = document.createElement("button");
  yes.type = "button";
  yes.className = "confirm-yes";
  yes.textContent = "Confirm";
  yes.setAttribute("aria-describedby", text.id);
  const no = document.createElement("button");
  no.type = "button";
  no.className = "secondary";
  no.textContent = "Cancel";
  no.addEventListener("click", () => { panel.remove(); form.querySelector("button[type=submit]").focus(); });
  yes.addEventListener("click", async () => {
    if (form.pending) return; // a double click sends once (and a retry would send the same key)
    form.pending = true;
    yes.disabled = true;
    errorOf(form).textContent = "";
    try {
      const result = await plan.run(key);
      panel.remove();
      if (form.dataset.action !== "settings") form.reset();
      if (plan.after) await plan.after(result);
      if (current && !["create-wallet", "create-code", "disable-code"].includes(form.dataset.action)) await openWallet(current.id, true);
      say(plan.done); // once the page shows what it did
    } catch (error) {
      errorOf(form).textContent = error.message;
      yes.disabled = false;
    } finally {
      form.pending = false;
    }
  });
  panel.append(text, yes, no);
  form.insertBefore(panel, errorOf(form));
  yes.focus();
}

function wire(form) {
  form.addEventListener("submit", (event) => { event.preventDefault(); prepare(form); });
  form.addEventListener("input", () => clearConfirm(form));
}

// A one-button action form in a table row (disable a code, capture or release a hold).
function rowForm(action, label, ariaLabel, data) {
  const form = document.createElement("form");
  form.className = "action inline";
  form.dataset.action = action;
  for (const [key, value] of Object.entries(data)) form.dataset[key] = String(value);
  const button = document.createElement("button");
  button.type = "submit";
  button.className = "secondary";
  button.textContent = label;
  button.setAttribute("aria-label", ariaLabel);
  form.append(button);
  wire(form);
  return form;
}

async function listCodes() {
  const table = $("code-table");
  const body = table.tBodies[0];
  body.replaceChildren();
  const answer = await call("GET", "codes?limit=100");
  for (const code of answer.data) {
    const row = body.insertRow();
    cell(row, `…${code.last4} (${code.id})`);
    cell(row, code.status);
    cell(row, code.amounts.map((a) => a.amount_formatted || `${a.amount} ${a.currency}`).join(", "));
    const action = cell(row, "");
    if (code.status === "active") {
      action.append(rowForm("disable-code", "Disable…", `Disable code ending ${code.last4}`, { codeId: code.id, last4: code.last4 }));
    }
  }
  table.hidden = false;
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
  $("history-filter").addEventListener("submit", filterHistory);
  $("top-ups-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    const error = errorOf(event.target);
    error.textContent = "";
    loadTopUps().catch((refused) => { error.textContent = refused.message; });
  });
  $("export-csv").addEventListener("click", () => exportCsv().catch((error) => say(error.message)));
  $("codes-list").addEventListener("click", () => listCodes().catch((error) => say(error.message)));
  for (const form of document.querySelectorAll("form.action")) wire(form);
  more("results-more", () => listNext);
  more("lots-more", () => lotsNext);
  more("top-ups-more", () => topUpsNext);
  // The chart is drawn to the page's width: again when the window changes (a phone turned, a resize).
  let resized = null;
  window.addEventListener("resize", () => {
    clearTimeout(resized);
    resized = setTimeout(() => { if (current && shown.length > 1) drawChart(); }, 150);
  });
  more("history-more", () => historyNext);
  show("signed-out", true);
  if (settings.localLogin) show("local-sign-in", true);
  else if (settings.authDomain) {
    show("sign-in", true);
    if (new URLSearchParams(location.search).has("code")) await cognitoCallback();
  } else say("The dashboard's sign-in is not configured (deploy with DashboardUrl and StaffDomainPrefix).");
}

start().catch((error) => say(error.message));
