// The first-run profile step: the figures a plan needs, checked as the server checks them, and
// target mixes offered as suggestions (never filled in as the user's own without their save).
import {
  allocationError,
  fromForm,
  toForm,
  type Weights,
  ASSET_CLASSES,
  REGIONS,
} from "./allocation";
import type { User, UserUpdate } from "./types";

export interface Suggestion {
  id: string;
  name: string;
  /** Why someone would pick it, in a line. */
  note: string;
  weights: Record<string, number>;
}

/** Three-fund-style mixes (a total-market stock fund, an international one, a bond fund),
 *  from more to less growth. */
export const ASSET_SUGGESTIONS: readonly Suggestion[] = [
  {
    id: "growth",
    name: "Growth · 80/20",
    note: "80% stocks, 20% bonds: for 20 years or more to go.",
    weights: { equity: 80, fixed_income: 20 },
  },
  {
    id: "balanced",
    name: "Balanced · 60/40",
    note: "60% stocks, 40% bonds: for 10 to 20 years to go.",
    weights: { equity: 60, fixed_income: 40 },
  },
  {
    id: "conservative",
    name: "Conservative · 40/60",
    note: "40% stocks, 55% bonds, 5% cash: for under 10 years to go.",
    weights: { equity: 40, fixed_income: 55, cash: 5 },
  },
];

/** Region mixes: a three-fund portfolio's home bias, or roughly the world market's weights. */
export const REGION_SUGGESTIONS: readonly Suggestion[] = [
  {
    id: "home",
    name: "Home bias",
    note: "US funds for most of it, a total-international fund for the rest.",
    weights: { north_america: 70, europe: 14, asia_pacific: 9, emerging_markets: 7 },
  },
  {
    id: "global",
    name: "Global market",
    note: "Roughly each region's share of the world's stock markets.",
    weights: { north_america: 62, europe: 16, asia_pacific: 11, emerging_markets: 11 },
  },
];

/** The asset mix suggested for a horizon (years to retirement; unknown: the middle one). */
export function suggestedAssetMix(years: number | null): Suggestion {
  if (years === null) return ASSET_SUGGESTIONS[1];
  if (years >= 20) return ASSET_SUGGESTIONS[0];
  if (years >= 10) return ASSET_SUGGESTIONS[1];
  return ASSET_SUGGESTIONS[2];
}

export interface SetupForm {
  name: string;
  age: string;
  retirementAge: string;
  income: string;
  contribution: string;
  assets: Weights;
  regions: Weights;
}

export function initialForm(user: Pick<User, "display_name">): SetupForm {
  return {
    name: user.display_name,
    // Blank, not the placeholders stored with a new profile: the user gives their own.
    age: "",
    retirementAge: "",
    income: "",
    contribution: "",
    assets: toForm(ASSET_CLASSES, suggestedAssetMix(null).weights),
    regions: toForm(REGIONS, REGION_SUGGESTIONS[0].weights),
  };
}

export function weightsOf(s: Suggestion, keys: readonly string[]): Weights {
  return toForm(keys, s.weights);
}

function whole(v: string): number | null {
  if (v.trim() === "") return null;
  const n = Number(v);
  return Number.isInteger(n) ? n : NaN;
}

function amount(v: string): number | null {
  if (v.trim() === "") return null;
  return Number(v);
}

export type SetupErrors = Partial<Record<keyof SetupForm, string>>;

/** Messages per field, by the server's own limits (age 16–100, 0–70 years to go). */
export function setupErrors(f: SetupForm): SetupErrors {
  const e: SetupErrors = {};
  if (!f.name.trim()) e.name = "Required";
  const age = whole(f.age);
  if (age === null) e.age = "Required";
  else if (!Number.isFinite(age) || age < 16 || age > 100) e.age = "A whole number from 16 to 100";
  const retire = whole(f.retirementAge);
  if (retire === null) e.retirementAge = "Required";
  else if (!Number.isFinite(retire)) e.retirementAge = "A whole number";
  else if (age !== null && Number.isFinite(age)) {
    if (retire < age) e.retirementAge = "Not before your current age";
    else if (retire - age > 70) e.retirementAge = "At most 70 years from now";
  }
  for (const key of ["income", "contribution"] as const) {
    const n = amount(f[key]);
    if (n === null) e[key] = "Required";
    else if (!Number.isFinite(n) || n < 0) e[key] = "An amount of 0 or more";
  }
  const assets = allocationError(f.assets);
  if (assets) e.assets = assets;
  const regions = allocationError(f.regions);
  if (regions) e.regions = regions;
  return e;
}

/** Years to retirement from the two ages, once both are valid. */
export function yearsToGo(f: SetupForm): number | null {
  const age = whole(f.age);
  const retire = whole(f.retirementAge);
  if (age === null || retire === null || !Number.isFinite(age) || !Number.isFinite(retire))
    return null;
  return retire >= age ? retire - age : null;
}

/** The save that completes the profile: every figure the server asks for. */
export function toUpdate(f: SetupForm): UserUpdate {
  const years = yearsToGo(f);
  if (years === null || Object.keys(setupErrors(f)).length)
    throw new Error("the profile step is not complete");
  return {
    display_name: f.name.trim(),
    current_age: Number(f.age),
    years_until_retirement: years,
    target_retirement_income: Number(f.income),
    annual_contribution: Number(f.contribution),
    asset_class_targets: fromForm(f.assets),
    region_targets: fromForm(f.regions),
  };
}
