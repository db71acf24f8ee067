import { describe, expect, it } from "vitest";
import { ASSET_CLASSES, REGIONS, total } from "@/lib/allocation";
import {
  ASSET_SUGGESTIONS,
  initialForm,
  REGION_SUGGESTIONS,
  setupErrors,
  suggestedAssetMix,
  toUpdate,
  weightsOf,
  yearsToGo,
  type SetupForm,
} from "@/lib/profileSetup";

const filled = (patch: Partial<SetupForm> = {}): SetupForm => ({
  ...initialForm({ display_name: "Sam" }),
  age: "34",
  retirementAge: "65",
  income: "55000",
  contribution: "12000",
  ...patch,
});

describe("the first-run profile step", () => {
  it("starts with the user's figures blank, and only the target mixes suggested", () => {
    const form = initialForm({ display_name: "Sam" });
    expect([form.age, form.retirementAge, form.income, form.contribution]).toEqual([
      "",
      "",
      "",
      "",
    ]);
    expect(setupErrors(form)).toEqual({
      age: "Required",
      retirementAge: "Required",
      income: "Required",
      contribution: "Required",
    });
  });

  it("offers suggestions that each total 100 and use the server's keys", () => {
    for (const s of ASSET_SUGGESTIONS) {
      expect(total(weightsOf(s, ASSET_CLASSES))).toBe(100);
      expect(
        Object.keys(s.weights).every((k) => (ASSET_CLASSES as readonly string[]).includes(k)),
      ).toBe(true);
    }
    for (const s of REGION_SUGGESTIONS) {
      expect(total(weightsOf(s, REGIONS))).toBe(100);
      expect(Object.keys(s.weights).every((k) => (REGIONS as readonly string[]).includes(k))).toBe(
        true,
      );
    }
  });

  it("suggests more stocks for a longer horizon", () => {
    expect([30, 20, 19, 10, 9, 0].map((y) => suggestedAssetMix(y).id)).toEqual([
      "growth",
      "growth",
      "balanced",
      "balanced",
      "conservative",
      "conservative",
    ]);
  });

  it("checks the ages as the server does", () => {
    expect(setupErrors(filled({ age: "15" })).age).toBe("A whole number from 16 to 100");
    expect(setupErrors(filled({ age: "34.5" })).age).toBe("A whole number from 16 to 100");
    expect(setupErrors(filled({ retirementAge: "30" })).retirementAge).toBe(
      "Not before your current age",
    );
    expect(setupErrors(filled({ retirementAge: "105" })).retirementAge).toBe(
      "At most 70 years from now",
    );
    expect(setupErrors(filled({ income: "-1" })).income).toBe("An amount of 0 or more");
    expect(setupErrors(filled({ assets: { equity: "90" } })).assets).toMatch(/total 100/);
    expect(setupErrors(filled())).toEqual({});
    expect(yearsToGo(filled())).toBe(31);
  });

  it("saves every figure the server needs to count the profile as the user's", () => {
    expect(toUpdate(filled())).toEqual({
      display_name: "Sam",
      current_age: 34,
      years_until_retirement: 31,
      target_retirement_income: 55000,
      annual_contribution: 12000,
      asset_class_targets: { equity: 60, fixed_income: 40 },
      region_targets: { north_america: 70, europe: 14, asia_pacific: 9, emerging_markets: 7 },
    });
    expect(() => toUpdate(filled({ age: "" }))).toThrow();
  });
});
