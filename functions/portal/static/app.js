// The customers' wallet page: plain JavaScript against the customer API (/me), no build step.
//
// Sign-in is OpenID Connect's authorization code flow with PKCE (S256), started by this page: it
// takes a token only from a code it asked for itself (its own `state`), redeemed with its own
// verifier, in an id_token carrying its own `nonce`. A token or code in a link someone sent is never
// used (login CSRF: it would sign the customer in as someone else). The token lives in memory only;
// a reload signs in again (silently where the identity provider still has a session).
"use strict";

const statusLine = document.getElementById("status");
const FLOW = "wallets-sign-in"; // sessionStorage: the state, nonce and verifier of the sign-in under way
const RESUME = "wallets-signed-in"; // sessionStorage: signed in in this tab, so a reload signs in again
let config = null;
let session = null; // { token, claims }: in memory only
let stripe = null;

function say(message) {
  statusLine.textContent = message;
}

// ------------------------------------------------------------------ sign-in (code + PKCE)
function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function challengeOf(verifier) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

function pageUrl() {
  return window.location.origin + window.location.pathname; // the registered redirect URI
}

async function startSignIn() {
  const flow = { state: randomString(), nonce: randomString(), verifier: randomString() };
  sessionStorage.setItem(FLOW, JSON.stringify(flow));
  const url = new URL(config.authorizeUrl, window.location.href);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: pageUrl(),
    scope: config.scope,
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: await challengeOf(flow.verifier),
    code_challenge_method: "S256",
  }).toString();
  window.location.assign(url.href);
}

function claimsOf(jwt) {
  const part = (jwt || "").split(".")[1] || "";
  const binary = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
}

async function finishSignIn(params) {
  const flow = JSON.parse(sessionStorage.getItem(FLOW) || "null");
  sessionStorage.removeItem(FLOW); // a sign-in answers once
  window.history.replaceState(null, "", window.location.pathname); // the code leaves the address bar
  if (params.get("error")) {
    throw new Error("Sign-in did not complete (" + params.get("error") + "). Sign in again.");
  }
  if (!flow || params.get("state") !== flow.state) {
    throw new Error("That sign-in link was not started on this page, so it was ignored. Sign in yourself.");
  }
  const response = await fetch(new URL(config.tokenUrl, window.location.href), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: params.get("code") || "",
      redirect_uri: pageUrl(),
      client_id: config.clientId,
      code_verifier: flow.verifier,
    }),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok || !answer.id_token) throw new Error("Sign-in did not complete. Sign in again.");
  const claims = claimsOf(answer.id_token);
  const audiences = [].concat(claims.aud);
  if (claims.nonce !== flow.nonce || claims.iss !== config.issuer || !audiences.includes(config.clientId) ||
      !(claims.exp * 1000 > Date.now())) {
    throw new Error("The sign-in answer was not for this page, so it was ignored. Sign in again.");
  }
  session = { token: answer.id_token, claims };
}

function signOut() {
  session = null;
  sessionStorage.removeItem(RESUME);
  sessionStorage.removeItem(FLOW);
  if (config.logoutUrl) {
    window.location.assign(new URL(config.logoutUrl, window.location.href).href); // the provider's session too
  } else {
    showSignIn();
  }
}

function showSignIn() {
  session = null;
  document.getElementById("signed-out").hidden = false;
  document.getElementById("wallets").replaceChildren();
  document.getElementById("who").hidden = true;
}

function showSignedIn() {
  document.getElementById("signed-out").hidden = true;
  document.getElementById("who-name").textContent =
    session.claims.email || session.claims[config.customerClaim] || session.claims.sub;
  document.getElementById("who").hidden = false;
}

// ------------------------------------------------------------------ the customer API
async function api(method, path, body) {
  if (!session) throw new Error("Sign in to continue.");
  const headers = { Authorization: "Bearer " + session.token };
  if (method !== "GET") headers["Idempotency-Key"] = crypto.randomUUID(); // every write, body or not
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) {
    sessionStorage.removeItem(RESUME);
    showSignIn();
    throw new Error("Your session has ended: sign in again.");
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const failure = new Error(errorMessage(answer.error) || "Something went wrong (" + response.status + ")");
    failure.refused = answer.error || {}; // the API's own error: its type and the fields it names
    throw failure;
  }
  return { status: response.status, body: answer };
}

function errorMessage(error) {
  // A refused field says why in `details` ("no card is saved with this wallet yet: …").
  if (!error) return "";
  const reasons = error.type === "validation_error" && error.details ? Object.values(error.details).flat() : [];
  const reason = reasons.filter((r) => typeof r === "string").join("; ");
  return reason ? reason.charAt(0).toUpperCase() + reason.slice(1) + "." : error.message;
}

// ------------------------------------------------------------------ formatting
function formatDateTime(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function shortDateTime(iso) {
  // One line at phone width: the year only when it is not this one.
  const date = new Date(iso);
  const options = { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" };
  if (date.getFullYear() !== new Date().getFullYear()) options.year = "numeric";
  return date.toLocaleString(undefined, options);
}

function moneyFormat(currency) {
  // Amounts are in ISO 4217 minor units (the service's config, from layers/wallets/wallets/money.py):
  // a browser's own digits differ for some currencies (HUF, COP, IDR: 2 in ISO, 0 in Chromium).
  const digits = config.minorUnits[currency];
  if (digits === undefined) throw new Error(`Amounts in ${currency} cannot be shown here.`);
  const format = new Intl.NumberFormat(undefined, {
    style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits,
  });
  return { digits, text: (amount) => format.format(amount / 10 ** digits) };
}

// How each transaction type moves the balance (layers/wallets/wallets/wallet.py BALANCE_SIGN): a hold
// only reserves, its capture is the payment, so only the capture is money out.
const BALANCE_SIGN = {
  credit: 1, top_up: 1, refund: 1, debit: -1, void: -1, expiry: -1, capture: -1, close: -1, hold: 0, release: 0,
};
const LABELS = {
  credit: "Credit", top_up: "Funds added", debit: "Payment", void: "Removed", refund: "Refund",
  expiry: "Expired", hold: "Reserved, not charged", capture: "Payment of a reservation",
  release: "Reservation released", close: "Closed", adjustment: "Adjustment",
};

function signOf(txn) {
  if (txn.type === "adjustment") return txn.adjustment_direction === "decrease" ? -1 : 1;
  return BALANCE_SIGN[txn.type] ?? 0;
}

// ------------------------------------------------------------------ rendering
async function renderWallet(wallet) {
  const node = document.getElementById("wallet-template").content.firstElementChild.cloneNode(true);
  node.dataset.wallet = wallet.id;
  node.querySelector(".currency").textContent = wallet.currency + " wallet";
  node.querySelector(".available").textContent = wallet.available_formatted;
  node.querySelector(".pending").textContent = wallet.pending_formatted;
  node.querySelector(".balance").textContent = wallet.balance_formatted;
  const threshold = wallet.settings.low_balance_threshold;
  node.querySelector(".low").hidden = !(threshold !== null && wallet.available < threshold);
  await renderExpiring(node, wallet);
  renderAddFunds(node, wallet);
  renderAuto(node, wallet);
  await renderHistory(node, wallet);
  return node;
}

async function renderExpiring(node, wallet) {
  if (!wallet.expiring_soon) return;
  const { body } = await api("GET", `me/wallets/${wallet.id}/lots`);
  const list = node.querySelector(".expiring ul");
  const soon = Date.now() + (wallet.settings.expiry_warning_days || 7) * 86400000;
  for (const lot of body.data) {
    if (lot.expires_at && new Date(lot.expires_at).getTime() <= soon) {
      const item = document.createElement("li");
      item.textContent = `${lot.remaining_formatted} expires on ${formatDateTime(lot.expires_at)}`;
      list.append(item);
    }
  }
  node.querySelector(".expiring").hidden = list.children.length === 0;
}

async function renderHistory(node, wallet) {
  // One page at a time: a click while a page is loading is ignored, and a row is shown once.
  const rows = node.querySelector(".history tbody");
  const more = node.querySelector(".more");
  let cursor = null;
  let loading = false;
  async function page() {
    if (loading) return;
    loading = true;
    more.setAttribute("aria-busy", "true");
    try {
      const query = cursor ? `?limit=10&cursor=${encodeURIComponent(cursor)}` : "?limit=10";
      const { body } = await api("GET", `me/wallets/${wallet.id}/transactions${query}`);
      for (const txn of body.data) {
        if (!rows.querySelector(`tr[data-id="${CSS.escape(txn.id)}"]`)) rows.append(historyRow(txn));
      }
      cursor = body.next_cursor;
      more.hidden = !body.has_more;
      node.querySelector(".history table").hidden = rows.children.length === 0;
      node.querySelector(".history .empty").hidden = rows.children.length > 0;
    } finally {
      loading = false;
      more.removeAttribute("aria-busy");
    }
  }
  more.addEventListener("click", () => page().catch((e) => say(e.message)));
  await page();
}

function what(txn, sign) {
  const label = LABELS[txn.type] || txn.type;
  if (!txn.description) return label;
  // A reservation says so whatever its description: it is not money spent.
  return sign === 0 ? `${label}: ${txn.description}` : txn.description;
}

function historyRow(txn) {
  const row = document.createElement("tr");
  row.dataset.id = txn.id;
  const when = document.createElement("time");
  when.dateTime = txn.created_at;
  when.title = formatDateTime(txn.created_at);
  when.textContent = shortDateTime(txn.created_at);
  const sign = signOf(txn);
  const cells = [
    when,
    what(txn, sign),
    (sign > 0 ? "+" : sign < 0 ? "−" : "") + txn.amount_formatted,
  ];
  cells.forEach((content, index) => {
    const cell = document.createElement("td");
    cell.className = ["date", "what", sign === 0 ? "amount neutral" : "amount"][index];
    cell.append(content);
    row.append(cell);
  });
  return row;
}

function renderAddFunds(node, wallet) {
  if (!wallet.settings.allow_top_up || wallet.status !== "active") return;
  const section = node.querySelector(".add-funds");
  section.hidden = false;
  const choices = section.querySelector(".amount-choices");
  const money = moneyFormat(wallet.currency);
  const offered = wallet.settings.top_up_amounts;
  if (offered.length) {
    offered.forEach((amount, index) => {
      const id = `amount-${wallet.id}-${amount}`;
      const label = document.createElement("label");
      label.htmlFor = id;
      label.innerHTML = `<input type="radio" name="amount" id="${id}" value="${amount}"${index === 0 ? " checked" : ""}> `;
      label.append(money.text(amount));
      choices.append(label);
    });
  } else {
    // The merchant set no amounts: any amount, typed in the currency's major unit.
    const id = `amount-${wallet.id}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = `Amount in ${wallet.currency}`;
    label.className = "amount-label";
    choices.querySelector("legend").className = "visually-hidden"; // the label says it
    const input = document.createElement("input");
    Object.assign(input, { type: "number", id, name: "custom-amount", required: true, inputMode: "decimal" });
    input.min = String(1 / 10 ** money.digits);
    input.step = String(1 / 10 ** money.digits);
    choices.append(label, input);
  }
  const cardField = section.querySelector(".card-field");
  const cardLabel = section.querySelector(".card-label");
  const cardElement = section.querySelector(".card-element");
  cardLabel.id = `card-label-${wallet.id}`;
  cardField.setAttribute("aria-labelledby", cardLabel.id);
  let card = null;
  let useSaved = () => false;
  if (config.gateway === "stripe" && stripe) {
    card = stripe.elements().create("card");
    card.mount(cardElement);
    cardElement.querySelectorAll("input").forEach((input) => input.setAttribute("aria-label", "Card " + input.placeholder));
    useSaved = offerSavedCard(section, wallet);
  } else {
    // The sandbox gateway: its test payment methods (no money moves, nothing saved).
    const select = document.createElement("select");
    select.id = `card-${wallet.id}`;
    select.setAttribute("aria-labelledby", cardLabel.id);
    select.innerHTML = '<option value="pm_card_visa">Test card: succeeds</option>' +
      '<option value="pm_card_declined">Test card: declined</option>';
    cardElement.append(select);
  }
  section.querySelector("form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = event.submitter;
    button.disabled = true;
    try {
      const custom = section.querySelector("input[name=custom-amount]");
      const amount = custom ? Math.round(Number(custom.value) * 10 ** money.digits)
        : Number(section.querySelector("input[name=amount]:checked").value);
      await addFunds(wallet, amount, useSaved() ? null : card, cardElement, useSaved());
    } catch (error) {
      say(error.message);
      if (useSaved() && error.refused && (error.refused.details || {}).payment_method) {
        // No card was saved after all (a setup started, never finished): pay with a new one.
        noSavedCard.add(wallet.id);
        useSaved = offerSavedCard(section, wallet);
      }
    } finally {
      button.disabled = false;
    }
    // The page was drawn again: focus stays where the customer was, on this wallet's button.
    const again = document.querySelector(`[data-wallet="${CSS.escape(wallet.id)}"] .add-funds button[type=submit]`);
    if (again) again.focus();
  });
}

// Wallets the API said have no saved card, though they have a gateway customer (a card setup that
// was started and never finished links one): the choice is not offered again on this page.
const noSavedCard = new Set();

function offerSavedCard(section, wallet) {
  // A card saved with this wallet (it has a gateway customer once one was) is offered first: paying
  // with it again saves nothing new (a wallet may start saving 10 cards a day). A new card is saved
  // for off-session charges, said before it is.
  const choice = section.querySelector(".card-choice");
  const consent = section.querySelector(".consent");
  const field = section.querySelector(".card-field");
  choice.hidden = !wallet.gateway_customer_id || noSavedCard.has(wallet.id);
  const saved = () => !choice.hidden && choice.querySelector("input[value=saved]").checked;
  const show = () => {
    field.hidden = saved();
    consent.hidden = saved();
  };
  choice.querySelectorAll("input").forEach((input) => input.addEventListener("change", show));
  show();
  return saved;
}

async function savedCard(wallet, card) {
  // A new card is saved first (a SetupIntent: also the card automatic top-ups use), then charged.
  const { body: setup } = await api("POST", `me/wallets/${wallet.id}/payment-methods/setup`);
  const result = await stripe.confirmCardSetup(setup.client_secret, { payment_method: { card } });
  if (result.error) throw new Error(result.error.message || "Your card was not accepted.");
  return result.setupIntent.payment_method;
}

async function addFunds(wallet, amount, card, cardElement, useSaved) {
  if (!(amount > 0)) throw new Error("Enter an amount to add.");
  say("Adding funds…");
  const method = useSaved ? "saved_card" // the API charges the card saved with the wallet
    : card ? await savedCard(wallet, card) : cardElement.querySelector("select").value;
  let { status, body: topUp } = await api("POST", `me/wallets/${wallet.id}/top-ups`, { amount, payment_method: method });
  if (status === 202 && topUp.client_secret) {
    say("Your bank asks you to confirm the payment…");
    const result = await stripe.confirmCardPayment(topUp.client_secret);
    if (result.error) throw new Error(result.error.message || "The payment was not confirmed.");
  }
  for (let tries = 0; topUp.status === "pending" && tries < 30; tries++) {
    await new Promise((done) => setTimeout(done, 1000));
    topUp = (await api("GET", `me/wallets/${wallet.id}/top-ups/${topUp.id}`)).body;
  }
  if (topUp.status !== "succeeded") throw new Error(topUp.failure_message || "The payment did not go through.");
  await load();
  say(`Added ${topUp.amount_formatted}.`);
}

function suspension(wallet) {
  // The API's auto_top_up_status: suspended after failed charges, until the merchant resumes it.
  const status = wallet.auto_top_up_status;
  if (!status || !status.suspended) return null;
  const failed = status.failed_attempts ? `its last ${status.failed_attempts} payments failed` : "its payments failed";
  const since = status.suspended_at ? ` (since ${formatDateTime(status.suspended_at)})` : "";
  return `Automatic top-up is suspended: ${failed}${since}. Nothing is charged automatically until ` +
    "the merchant resumes it; you can still add funds here.";
}

function renderAuto(node, wallet) {
  const auto = wallet.settings.auto_top_up;
  if (!auto) return;
  const section = node.querySelector(".auto");
  section.hidden = false;
  const toggle = section.querySelector(".auto-toggle");
  const terms = section.querySelector(".auto-terms");
  const money = moneyFormat(wallet.currency);
  const card = auto.payment_method ? "the card the merchant set up for it" : "your saved card (the last one you added funds with)";
  terms.id = `auto-terms-${wallet.id}`;
  terms.textContent = `When your available balance falls below ${money.text(auto.threshold)}, ` +
    `${money.text(auto.amount)} is charged to ${card}, without asking you each time: ` +
    `at most ${auto.max_per_day} ${auto.max_per_day === 1 ? "time" : "times"} a day ` +
    `(${money.text(auto.amount * auto.max_per_day)} a day at most).`;
  const suspended = suspension(wallet);
  const banner = section.querySelector(".suspended");
  banner.textContent = suspended || "";
  banner.hidden = !suspended;
  toggle.checked = auto.enabled;
  banner.id = `auto-suspended-${wallet.id}`;
  toggle.setAttribute("aria-describedby", suspended ? `${banner.id} ${terms.id}` : terms.id);
  toggle.disabled = Boolean(suspended) && !auto.enabled; // switching off always works, on waits for the merchant
  toggle.addEventListener("change", async () => {
    try {
      await api("PUT", `me/wallets/${wallet.id}/auto-top-up`, { enabled: toggle.checked });
      say(toggle.checked ? "Automatic top-up is on." : "Automatic top-up is off.");
    } catch (error) {
      toggle.checked = !toggle.checked;
      say(error.message);
    }
  });
}

async function load() {
  const { body } = await api("GET", "me/wallets");
  const nodes = await Promise.all(body.data.map(renderWallet));
  document.getElementById("wallets").replaceChildren(...nodes);
  if (!nodes.length) say("You have no wallet yet.");
}

function loadStripe() {
  if (config.gateway !== "stripe") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = config.stripeJs;
    script.onload = () => {
      stripe = window.Stripe(config.stripeKey || "pk_test_local");
      resolve();
    };
    script.onerror = () => reject(new Error("Payments are unavailable right now."));
    document.head.append(script);
  });
}

async function main() {
  config = await (await fetch("portal/config.json")).json();
  document.getElementById("sign-out").addEventListener("click", signOut);
  document.getElementById("sign-in").addEventListener("click", () => startSignIn().catch((e) => say(e.message)));
  // A token in a link (#token=, #id_token=) is never taken: only this page's own sign-in signs in.
  const dropFragment = () => window.location.hash &&
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  window.addEventListener("hashchange", dropFragment);
  dropFragment();
  const params = new URLSearchParams(window.location.search);
  if (params.has("code") || params.has("error") || params.has("state")) {
    try {
      await finishSignIn(params);
    } catch (error) {
      showSignIn();
      say(error.message);
      return;
    }
  } else if (sessionStorage.getItem(RESUME)) {
    await startSignIn(); // a reload: the token was in memory only
    return;
  } else {
    showSignIn();
    return;
  }
  sessionStorage.setItem(RESUME, "1");
  showSignedIn();
  try {
    await loadStripe();
    await load();
  } catch (error) {
    say(error.message);
  }
}

main().catch((error) => say(error.message));
