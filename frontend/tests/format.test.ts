import { describe, expect, it } from "vitest";
import { duration, label, money, num, pct } from "@/lib/format";

describe("format", () => {
  it("reads decimal strings from the API", () => {
    expect(num("302895.5000")).toBe(302895.5);
    expect(num(null)).toBeNull();
    expect(num("abc")).toBeNull();
  });
  it("formats money, percentages and durations", () => {
    expect(money("302895.5")).toBe("$302,896");
    expect(money(1701256, { compact: true })).toBe("$1.7M");
    expect(money(null)).toBe("—");
    expect(pct(56.69)).toBe("56.7%");
    expect(duration(945)).toBe("945 ms");
    expect(duration(12_300)).toBe("12.3 s");
  });
  it("labels vocabulary keys", () => {
    expect(label("fixed_income")).toBe("Fixed income");
    expect(label("401k")).toBe("401(k)");
    expect(label("consumer_staples")).toBe("Consumer staples");
  });
});
