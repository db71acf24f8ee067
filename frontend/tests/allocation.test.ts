import { describe, expect, it } from "vitest";
import { allocationError, ASSET_CLASSES, fromForm, toForm, total } from "@/lib/allocation";

describe("allocation targets", () => {
  it("accepts weights totalling 100 within the tolerance", () => {
    expect(allocationError({ equity: "70", fixed_income: "25", cash: "5" })).toBeNull();
    expect(allocationError({ equity: "33.33", fixed_income: "33.33", cash: "33.34" })).toBeNull();
    expect(allocationError({ equity: "60", fixed_income: "40.005" })).toBeNull();
  });

  it("refuses other totals with a message naming the total", () => {
    expect(allocationError({ equity: "70", fixed_income: "20" })).toBe(
      "Must total 100% — currently 90%",
    );
    expect(allocationError({ equity: "80", fixed_income: "30" })).toMatch(/110%/);
  });

  it("refuses weights outside 0–100 and non-numbers", () => {
    expect(allocationError({ equity: "-10", cash: "110" })).toMatch(/between 0 and 100/);
    expect(allocationError({ equity: "abc" })).toMatch(/not a number/);
  });

  it("round-trips between the API map and form strings, dropping zeros", () => {
    const form = toForm(ASSET_CLASSES, { equity: 70, cash: 30 });
    expect(form).toEqual({
      equity: "70",
      fixed_income: "",
      real_estate: "",
      commodities: "",
      cash: "30",
    });
    expect(fromForm(form)).toEqual({ equity: 70, cash: 30 });
    expect(total(form)).toBe(100);
  });
});
