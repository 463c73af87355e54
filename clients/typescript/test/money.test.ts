/** Money helpers: exact per ISO 4217, never rounding. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { fromMinor, minorUnits, toMinor } from "wallets-client";

describe("money", () => {
  it("converts with each currency's minor units", () => {
    assert.equal(toMinor("10.00", "USD"), 1000);
    assert.equal(toMinor("10.05", "USD"), 1005);
    assert.equal(toMinor("1500", "JPY"), 1500);
    assert.equal(toMinor("1.234", "KWD"), 1234);
    assert.equal(toMinor("0.0001", "CLF"), 1);
    assert.equal(toMinor(5, "USD"), 500);
    assert.equal(toMinor(12n, "BHD"), 12000);
    assert.equal(toMinor("-0.30", "EUR"), -30);
    assert.equal(toMinor("10.50000", "USD"), 1050); // trailing zeros are no rounding
    assert.deepEqual([minorUnits("JPY"), minorUnits("USD"), minorUnits("BHD"), minorUnits("UYW")], [0, 2, 3, 4]);
  });

  it("refuses what it would have to round or guess", () => {
    assert.throws(() => toMinor("10.005", "USD"), RangeError);
    assert.throws(() => toMinor("1.5", "JPY"), RangeError);
    assert.throws(() => toMinor(0.1 + 0.2, "USD"), TypeError);
    assert.throws(() => toMinor(10.5, "USD"), TypeError);
    assert.throws(() => toMinor("1e3", "USD"), RangeError);
    assert.throws(() => toMinor("", "USD"), RangeError);
    assert.throws(() => toMinor("NaN", "USD"), RangeError);
    assert.throws(() => toMinor("10", "XAU"), RangeError); // not money here
    assert.throws(() => toMinor("100000000000000", "USD"), RangeError); // past 2^53 in cents
  });

  it("formats minor units back exactly", () => {
    assert.equal(fromMinor(1000, "USD"), "10.00");
    assert.equal(fromMinor(5, "USD"), "0.05");
    assert.equal(fromMinor(-5, "KWD"), "-0.005");
    assert.equal(fromMinor(1500, "JPY"), "1500");
    assert.equal(fromMinor(9007199254740991n, "USD"), "90071992547409.91");
    assert.throws(() => fromMinor(1.5, "USD"), TypeError);
    for (const [text, currency] of [["0.01", "USD"], ["123456.789", "TND"], ["7", "VND"]] as const) {
      assert.equal(fromMinor(toMinor(text, currency), currency), text);
    }
  });
});
