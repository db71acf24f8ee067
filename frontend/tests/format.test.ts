import { describe, expect, it } from "vitest";
import {
  duration,
  label,
  money,
  moneyCompact,
  num,
  number,
  pct,
  pts,
  rounded,
  signedPct,
} from "@/lib/format";
// The same cases tests/core/test_format.py checks the Python side against: a figure reads the
// same on a page as in the report and the CLI.
import cases from "./fixtures/format-cases.json";

type Case2 = [number | string | null, string];
type Case3 = [number | string | null, number, string];
const two = (name: keyof typeof cases) => cases[name] as unknown as Case2[];
const three = (name: keyof typeof cases) => cases[name] as unknown as Case3[];

describe("format: the cases shared with Python", () => {
  it.each(two("money"))("money(%j) is %s", (v, out) => expect(money(v)).toBe(out));
  it.each(two("money_cents"))("money(%j, cents) is %s", (v, out) =>
    expect(money(v, { cents: true })).toBe(out),
  );
  it.each(two("money_compact"))("moneyCompact(%j) is %s", (v, out) => {
    expect(moneyCompact(v)).toBe(out);
    expect(money(v, { compact: true })).toBe(out);
  });
  it.each(three("pct"))("pct(%j, %i) is %s", (v, d, out) => expect(pct(v, d)).toBe(out));
  it.each(three("pct_signed"))("signedPct(%j, %i) is %s", (v, d, out) =>
    expect(signedPct(v, d)).toBe(out),
  );
  it.each(three("pts"))("pts(%j, %i) is %s", (v, d, out) => expect(pts(v, d)).toBe(out));
  it.each(three("pts_unsigned"))("unsigned pts(%j, %i) is %s", (v, d, out) =>
    expect(pts(v, d, { signed: false })).toBe(out),
  );
  it.each(three("number"))("number(%j, %i) is %s", (v, d, out) => expect(number(v, d)).toBe(out));
  it.each(cases.label as [string, string][])("label(%s) is %s", (k, out) =>
    expect(label(k)).toBe(out),
  );
});

describe("format", () => {
  it("rounds the decimal everyone reads, not the binary float", () => {
    // What toFixed and Intl did before: they disagree with each other and with Python.
    expect((2.675).toFixed(2)).toBe("2.67");
    expect(money(2.675, { cents: true })).toBe("$2.68");
    expect(pct(18.25)).toBe("18.3%");
  });
  it("reads decimal strings from the API", () => {
    expect(num("302895.5000")).toBe(302895.5);
    expect(num(null)).toBeNull();
    expect(num("abc")).toBeNull();
  });
  it("gives the value as shown, for judging a change's sign", () => {
    expect(rounded(0.04, 1)).toBe(0);
    expect(rounded(-0.05, 1)).toBe(-0.1);
    expect(rounded(6114.5, 0)).toBe(6115);
    expect(rounded(null)).toBeNull();
  });
  it("formats durations", () => {
    expect(duration(945)).toBe("945 ms");
    expect(duration(12_300)).toBe("12.3 s");
  });
});
