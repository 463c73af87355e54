// The customers' wallet page: plain JavaScript against the customer API (/me), no build step.
"use strict";

const config = JSON.parse(document.getElementById("config").textContent);
const statusLine = document.getElementById("status");
let stripe = null;

function say(message) {
  statusLine.textContent = message;
}

// ------------------------------------------------------------------ the customer's token
function takeTokenFromUrl() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get("token") || fragment.get("id_token");
  if (token) {
    sessionStorage.setItem("wallets-token", token);
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem("wallets-token");
}

async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + sessionStorage.getItem("wallets-token") };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    headers["Idempotency-Key"] = crypto.randomUUID();
  }
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) {
    sessionStorage.removeItem("wallets-token");
    showSignIn();
    throw new Error("Your session has ended: sign in again.");
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error((answer.error && answer.error.message) || "Something went wrong (" + response.status + ")");
  }
  return { status: response.status, body: answer };
}

function showSignIn() {
  document.getElementById("signed-out").hidden = false;
  document.getElementById("wallets").replaceChildren();
  document.getElementById("sign-out").hidden = true;
  const link = document.getElementById("sign-in");
  if (config.signInUrl.endsWith("customer_id=")) {
    // The development sign-in of `make run`: any customer id.
    const form = document.createElement("form");
    form.innerHTML =
      '<label for="dev-customer">Customer id (development sign-in)</label> ' +
      '<input id="dev-customer" name="customer_id" required autocomplete="username"> ' +
      '<button type="submit">Sign in</button>';
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      window.location.href = config.signInUrl + encodeURIComponent(form.customer_id.value);
    });
    link.replaceWith(form);
  } else {
    link.href = config.signInUrl || "#";
  }
}

// ------------------------------------------------------------------ rendering
function formatDate(iso) {
  return new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

const LABELS = {
  credit: "Credit", top_up: "Funds added", debit: "Payment", void: "Removed", refund: "Refund",
  expiry: "Expired", hold: "Reserved", capture: "Payment", release: "Released", close: "Closed",
  adjustment: "Adjustment",
};

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
  await renderHistory(node, wallet, null);
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
      item.textContent = `${lot.remaining_formatted} expires on ${formatDate(lot.expires_at)}`;
      list.append(item);
    }
  }
  node.querySelector(".expiring").hidden = list.children.length === 0;
}

async function renderHistory(node, wallet, cursor) {
  const query = cursor ? `?limit=10&cursor=${encodeURIComponent(cursor)}` : "?limit=10";
  const { body } = await api("GET", `me/wallets/${wallet.id}/transactions${query}`);
  const rows = node.querySelector(".history tbody");
  for (const txn of body.data) {
    const row = document.createElement("tr");
    const out = ["debit", "void", "expiry", "capture", "close", "hold"].includes(txn.type) ||
      txn.adjustment_direction === "decrease";
    const sign = out ? "−" : "+";
    for (const text of [formatDate(txn.created_at), txn.description || LABELS[txn.type] || txn.type,
                        sign + txn.amount_formatted]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    rows.append(row);
  }
  const more = node.querySelector(".more");
  more.hidden = !body.has_more;
  more.onclick = () => renderHistory(node, wallet, body.next_cursor).catch((e) => say(e.message));
}

function renderAddFunds(node, wallet) {
  if (!wallet.settings.allow_top_up || wallet.status !== "active") return;
  const section = node.querySelector(".add-funds");
  section.hidden = false;
  const choices = section.querySelector(".amount-choices");
  const amounts = wallet.settings.top_up_amounts.length ? wallet.settings.top_up_amounts : [1000, 2500, 5000];
  const format = new Intl.NumberFormat(undefined, { style: "currency", currency: wallet.currency });
  const digits = format.resolvedOptions().maximumFractionDigits;
  amounts.forEach((amount, index) => {
    const id = `amount-${wallet.id}-${amount}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.innerHTML = `<input type="radio" name="amount" id="${id}" value="${amount}"${index === 0 ? " checked" : ""}> `;
    label.append(format.format(amount / 10 ** digits));
    choices.append(label);
  });
  const cardId = `card-${wallet.id}`;
  const cardLabel = section.querySelector(".card-label");
  const cardElement = section.querySelector(".card-element");
  cardElement.id = cardId;
  cardLabel.htmlFor = cardId;
  let card = null;
  if (config.gateway === "stripe" && stripe) {
    card = stripe.elements().create("card");
    card.mount(cardElement);
    cardElement.querySelectorAll("input").forEach((input) => input.setAttribute("aria-label", "Card " + input.placeholder));
  } else {
    // The sandbox gateway: its test payment methods (no money moves).
    cardElement.innerHTML =
      `<select id="${cardId}-sandbox" aria-label="Test card"><option value="pm_card_visa">Test card: succeeds</option>` +
      '<option value="pm_card_declined">Test card: declined</option></select>';
  }
  section.querySelector("form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = event.submitter;
    button.disabled = true;
    try {
      const amount = Number(section.querySelector("input[name=amount]:checked").value);
      await addFunds(wallet, amount, card, cardElement);
    } catch (error) {
      say(error.message);
    } finally {
      button.disabled = false;
    }
  });
}

async function savedCard(wallet, card) {
  // The card is saved first (a SetupIntent: also the card automatic top-ups use), then charged.
  const { body: setup } = await api("POST", `me/wallets/${wallet.id}/payment-methods/setup`);
  const result = await stripe.confirmCardSetup(setup.client_secret, { payment_method: { card } });
  if (result.error) throw new Error(result.error.message || "Your card was not accepted.");
  return result.setupIntent.payment_method;
}

async function addFunds(wallet, amount, card, cardElement) {
  say("Adding funds…");
  const method = card ? await savedCard(wallet, card) : cardElement.querySelector("select").value;
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

function renderAuto(node, wallet) {
  const auto = wallet.settings.auto_top_up;
  if (!auto) return;
  const section = node.querySelector(".auto");
  section.hidden = false;
  const toggle = section.querySelector(".auto-toggle");
  toggle.checked = auto.enabled;
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
  document.getElementById("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem("wallets-token");
    showSignIn();
  });
  if (!takeTokenFromUrl()) {
    showSignIn();
    return;
  }
  document.getElementById("sign-out").hidden = false;
  try {
    await loadStripe();
    await load();
  } catch (error) {
    say(error.message);
  }
}

main();
