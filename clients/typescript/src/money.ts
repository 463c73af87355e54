/**
 * Amounts are integers in the currency's minor unit (USD 10.00 is 1000, JPY has none, KWD three),
 * with the server's ISO 4217 minor units. The conversions are exact string arithmetic: more decimal
 * places than the currency has is an error, never a rounding, and fractional numbers are refused
 * (a float cannot hold most decimal amounts; pass a string such as "10.05").
 */

import type { Currency } from "./types.js";

/** ISO 4217 minor units of every active currency (the list the server accepts; tests compare both). */
export const MINOR_UNITS = {
  AED: 2, AFN: 2, ALL: 2, AMD: 2, AOA: 2, ARS: 2, AUD: 2, AWG: 2, AZN: 2, BAM: 2, BBD: 2, BDT: 2,
  BHD: 3, BIF: 0, BMD: 2, BND: 2, BOB: 2, BOV: 2, BRL: 2, BSD: 2, BTN: 2, BWP: 2, BYN: 2, BZD: 2,
  CAD: 2, CDF: 2, CHE: 2, CHF: 2, CHW: 2, CLF: 4, CLP: 0, CNY: 2, COP: 2, COU: 2, CRC: 2, CUP: 2,
  CVE: 2, CZK: 2, DJF: 0, DKK: 2, DOP: 2, DZD: 2, EGP: 2, ERN: 2, ETB: 2, EUR: 2, FJD: 2, FKP: 2,
  GBP: 2, GEL: 2, GHS: 2, GIP: 2, GMD: 2, GNF: 0, GTQ: 2, GYD: 2, HKD: 2, HNL: 2, HTG: 2, HUF: 2,
  IDR: 2, ILS: 2, INR: 2, IQD: 3, IRR: 2, ISK: 0, JMD: 2, JOD: 3, JPY: 0, KES: 2, KGS: 2, KHR: 2,
  KMF: 0, KPW: 2, KRW: 0, KWD: 3, KYD: 2, KZT: 2, LAK: 2, LBP: 2, LKR: 2, LRD: 2, LSL: 2, LYD: 3,
  MAD: 2, MDL: 2, MGA: 2, MKD: 2, MMK: 2, MNT: 2, MOP: 2, MRU: 2, MUR: 2, MVR: 2, MWK: 2, MXN: 2,
  MXV: 2, MYR: 2, MZN: 2, NAD: 2, NGN: 2, NIO: 2, NOK: 2, NPR: 2, NZD: 2, OMR: 3, PAB: 2, PEN: 2,
  PGK: 2, PHP: 2, PKR: 2, PLN: 2, PYG: 0, QAR: 2, RON: 2, RSD: 2, RUB: 2, RWF: 0, SAR: 2, SBD: 2,
  SCR: 2, SDG: 2, SEK: 2, SGD: 2, SHP: 2, SLE: 2, SOS: 2, SRD: 2, SSP: 2, STN: 2, SVC: 2, SYP: 2,
  SZL: 2, THB: 2, TJS: 2, TMT: 2, TND: 3, TOP: 2, TRY: 2, TTD: 2, TWD: 2, TZS: 2, UAH: 2, UGX: 0,
  USD: 2, USN: 2, UYI: 0, UYU: 2, UYW: 4, UZS: 2, VED: 2, VES: 2, VND: 0, VUV: 0, WST: 2, XAD: 2,
  XAF: 0, XCD: 2, XCG: 2, XOF: 0, XPF: 0, YER: 2, ZAR: 2, ZMW: 2, ZWG: 2,
} as const satisfies Record<Currency, number>;

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** Decimal places of a currency's minor unit: `minorUnits("USD") === 2`, JPY 0, BHD 3. */
export function minorUnits(currency: string): number {
  const digits: number | undefined = (MINOR_UNITS as Record<string, number>)[currency];
  if (digits === undefined) throw new RangeError(`not an active ISO 4217 currency: ${JSON.stringify(currency)}`);
  return digits;
}

/**
 * `toMinor("10.00", "USD") === 1000`, `toMinor("1500", "JPY") === 1500`, `toMinor(5, "USD") === 500`.
 * Accepts a decimal string, a bigint or a whole number of major units; refuses fractional numbers,
 * more decimals than the currency has, and results past Number.MAX_SAFE_INTEGER.
 */
export function toMinor(amount: string | bigint | number, currency: string): number {
  const digits = minorUnits(currency);
  let text: string;
  if (typeof amount === "bigint") text = amount.toString();
  else if (typeof amount === "number") {
    if (!Number.isSafeInteger(amount)) {
      throw new TypeError(`${amount} is not a whole number: pass amounts with decimals as strings ("10.05")`);
    }
    text = amount.toString();
  } else if (typeof amount === "string") text = amount.trim();
  else throw new TypeError("pass a decimal string, a bigint or a whole number");
  const match = DECIMAL.exec(text);
  if (!match) throw new RangeError(`${JSON.stringify(amount)} is not a decimal amount`);
  const [, sign = "", whole = "0", fraction = ""] = match;
  const kept = fraction.slice(0, digits);
  if (/[^0]/.test(fraction.slice(digits))) {
    throw new RangeError(`${text} has more decimal places than ${currency} allows (${digits})`);
  }
  const minor = BigInt(whole + kept.padEnd(digits, "0")) * (sign === "-" ? -1n : 1n);
  if (minor > BigInt(Number.MAX_SAFE_INTEGER) || minor < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`${text} ${currency} is too large an amount`);
  }
  return Number(minor);
}

/** `fromMinor(1000, "USD") === "10.00"`, `fromMinor(1500, "JPY") === "1500"`: exact decimal strings. */
export function fromMinor(amount: number | bigint, currency: string): string {
  if (typeof amount === "number" && !Number.isSafeInteger(amount)) {
    throw new TypeError(`amounts in minor units are integers, not ${amount}`);
  }
  if (typeof amount !== "number" && typeof amount !== "bigint") {
    throw new TypeError("amounts in minor units are integers");
  }
  const digits = minorUnits(currency);
  const negative = amount < 0;
  const text = (negative ? -BigInt(amount) : BigInt(amount)).toString().padStart(digits + 1, "0");
  const whole = text.slice(0, text.length - digits);
  const fraction = text.slice(text.length - digits);
  return (negative ? "-" : "") + whole + (digits ? `.${fraction}` : "");
}
