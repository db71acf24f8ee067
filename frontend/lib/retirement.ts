// The live retirement what-if: the controls' draft (seeded from the stored profile and plan),
// the request it makes to POST /api/retirement/projection, which control a refusal names, the
// body that saves it as the user's plan, and the recalculation itself (debounced, the stale
// request aborted, an older answer never shown over a newer one). No React here: the panel in
// components/retirement subscribes to `Recalculator`, and the tests drive it with fake timers.
import { api, ApiError, type RequestOptions } from "./api";
import type { components } from "./api-types";
import { money, number, pct, pts } from "./format";
import type { User, UserUpdate } from "./types";

type S = components["schemas"];

export type RetirementPlan = S["RetirementPlan"];
export type RetirementWhatIf = S["RetirementWhatIf"];
export type RetirementOutlook = S["RetirementOutlook"];
export type RetirementProjection = S["RetirementProjection"];
export type IncomeStream = S["IncomeStream"];
export type Lever = S["Lever"];
export type ModelOutcome = S["ModelOutcome"];
export type AllocationOutcome = S["AllocationOutcome"];
export type WithdrawalRule = RetirementPlan["withdrawal_rule"];
export type ReturnModel = RetirementPlan["return_model"];
export type AllocationBasis = RetirementPlan["allocation_basis"];

// ----------------------------------------------------------------------------- the choices

export const WITHDRAWAL_RULES: { value: WithdrawalRule; label: string; hint: string }[] = [
  {
    value: "constant_real",
    label: "Steady income",
    hint: "Your income target every year, raised with inflation.",
  },
  {
    value: "percent_of_portfolio",
    label: "Share of the portfolio",
    hint: "A fixed share of what is left each year: never runs dry, but income moves.",
  },
  {
    value: "guardrails",
    label: "Guardrails",
    hint: "Start at your target; cut or raise income in steps when markets move a lot.",
  },
];

/** The four return models, named as the server names them (RETURN_MODEL_LABELS). */
export const RETURN_MODELS: { value: ReturnModel; label: string }[] = [
  { value: "normal", label: "Normal (parametric)" },
  { value: "student_t", label: "Fat tails (Student-t)" },
  { value: "historical", label: "Historical since 1871" },
  { value: "bootstrap", label: "Bootstrap of history" },
];

export const ALLOCATION_BASES: { value: AllocationBasis; label: string }[] = [
  { value: "as_held", label: "As held today" },
  { value: "targets", label: "At your target allocation" },
];

/** Social Security can be claimed from 62; waiting past 70 adds nothing. */
export const FIRST_CLAIM_AGE = 62;
export const LAST_CLAIM_AGE = 70;
export const CLAIM_AGES: number[] = Array.from(
  { length: LAST_CLAIM_AGE - FIRST_CLAIM_AGE + 1 },
  (_, i) => FIRST_CLAIM_AGE + i,
);
/** Offered when Social Security is added: the full retirement age for anyone born after 1959. */
export const DEFAULT_CLAIM_AGE = 67;
/** The profile's bound on years to retirement (UserUpdate, RetirementWhatIf). */
export const MAX_YEARS_TO_RETIREMENT = 70;
/** The plan's bound on income streams of every kind (RetirementPlan.income_streams). */
export const MAX_INCOME_STREAMS = 10;

// ----------------------------------------------------------------------------- the draft

/** One income stream as the controls hold it: amounts and ages as typed. Pensions are kept
 *  as saved (the panel shows them but does not edit them). */
export interface StreamDraft {
  kind: IncomeStream["kind"];
  amount: string;
  startAge: string;
  indexed: boolean;
}

export interface WhatIfDraft {
  retireAge: string;
  contribution: string;
  income: string;
  streams: StreamDraft[];
  withdrawalRule: WithdrawalRule;
  returnModel: ReturnModel;
  successGoal: string;
  allocationBasis: AllocationBasis;
  taxes: boolean;
}

/** Where a message belongs: one of the controls, or the panel as a whole. */
export type ControlKey =
  | "retireAge"
  | "contribution"
  | "income"
  | `stream.${number}.amount`
  | `stream.${number}.startAge`
  | "streams"
  | "withdrawalRule"
  | "returnModel"
  | "successGoal"
  | "allocationBasis"
  | "taxes"
  | "general";

export type ControlErrors = Partial<Record<ControlKey, string>>;

/** The stored plan with every default filled in (an empty stored plan is valid). */
export function storedPlan(user: User): RetirementPlan {
  const plan = user.retirement_plan;
  return {
    withdrawal_rule: "constant_real",
    withdrawal_rate_pct: 4,
    return_model: "normal",
    bootstrap_block_years: 5,
    success_target_pct: 90,
    taxes: true,
    withdrawal_order: "conventional",
    allocation_basis: "as_held",
    glide_years: 0,
    income_streams: [],
    one_offs: [],
    ...plan,
  };
}

/** A figure as a form shows it: "24000", not "24000.0000". */
function asText(v: number | string | null | undefined): string {
  if (v === null || v === undefined || v === "") return "";
  const n = Number(v);
  return Number.isFinite(n) ? String(n) : String(v);
}

/** The controls as the stored profile and plan set them. */
export function draftFromUser(user: User): WhatIfDraft {
  const plan = storedPlan(user);
  return {
    retireAge: String(user.current_age + user.years_until_retirement),
    contribution: asText(user.annual_contribution),
    income: asText(user.target_retirement_income),
    streams: (plan.income_streams ?? []).map((s) => ({
      kind: s.kind,
      amount: asText(s.annual_amount),
      startAge: String(s.start_age),
      indexed: s.indexed,
    })),
    withdrawalRule: plan.withdrawal_rule,
    returnModel: plan.return_model,
    successGoal: asText(plan.success_target_pct),
    allocationBasis: plan.allocation_basis,
    taxes: plan.taxes,
  };
}

/** Social Security as the panel adds it: indexed to inflation (COLA), claimed at 67. */
export function addSocialSecurity(draft: WhatIfDraft, amount = ""): WhatIfDraft {
  return {
    ...draft,
    streams: [
      ...draft.streams,
      { kind: "social_security", amount, startAge: String(DEFAULT_CLAIM_AGE), indexed: true },
    ],
  };
}

export function removeStream(draft: WhatIfDraft, index: number): WhatIfDraft {
  return { ...draft, streams: draft.streams.filter((_, i) => i !== index) };
}

export function updateStream(
  draft: WhatIfDraft,
  index: number,
  patch: Partial<StreamDraft>,
): WhatIfDraft {
  return {
    ...draft,
    streams: draft.streams.map((s, i) => (i === index ? { ...s, ...patch } : s)),
  };
}

/** A typed number, or null when the text is not one (blank included). */
export function parseNumber(text: string): number | null {
  const t = text.trim().replace(/[$,\s]/g, "");
  if (t === "") return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

function parseWhole(text: string): number | null {
  const n = parseNumber(text);
  return n !== null && Number.isInteger(n) ? n : null;
}

/** A what-if as the panel sends it: every override given. */
export interface WhatIfRequest extends RetirementWhatIf {
  years_until_retirement: number;
  annual_contribution: number;
  target_income: number;
  plan: RetirementPlan;
}

export type Built =
  { ok: true; request: WhatIfRequest; plan: RetirementPlan } | { ok: false; errors: ControlErrors };

/** The request the draft makes. Only what cannot be sent is checked here (a blank, a retirement
 *  age before today); every other bound is the server's, and its refusal is shown by the
 *  control it names (see `errorsByControl`). */
export function buildWhatIf(draft: WhatIfDraft, user: User): Built {
  const errors: ControlErrors = {};
  const age = parseWhole(draft.retireAge);
  const first = user.current_age;
  const last = user.current_age + MAX_YEARS_TO_RETIREMENT;
  if (age === null) errors.retireAge = "Enter an age in whole years.";
  else if (age < first || age > last) errors.retireAge = `Choose an age from ${first} to ${last}.`;
  const contribution = parseNumber(draft.contribution);
  if (contribution === null) errors.contribution = "Enter an amount (0 for none).";
  const income = parseNumber(draft.income);
  if (income === null) errors.income = "Enter an amount a year.";
  const goal = parseNumber(draft.successGoal);
  if (goal === null) errors.successGoal = "Enter a percentage.";
  const streams: IncomeStream[] = [];
  draft.streams.forEach((s, i) => {
    const amount = parseNumber(s.amount);
    const start = parseWhole(s.startAge);
    if (amount === null) errors[`stream.${i}.amount`] = "Enter an amount a year.";
    if (start === null) errors[`stream.${i}.startAge`] = "Choose an age.";
    if (amount !== null && start !== null)
      streams.push({ kind: s.kind, start_age: start, annual_amount: amount, indexed: s.indexed });
  });
  if (Object.keys(errors).length) return { ok: false, errors };
  const plan: RetirementPlan = {
    ...storedPlan(user),
    income_streams: streams,
    withdrawal_rule: draft.withdrawalRule,
    return_model: draft.returnModel,
    success_target_pct: goal!,
    allocation_basis: draft.allocationBasis,
    taxes: draft.taxes,
  };
  return {
    ok: true,
    plan,
    request: {
      years_until_retirement: age! - user.current_age,
      annual_contribution: contribution!,
      target_income: income!,
      plan,
    },
  };
}

/** A value with its keys in a fixed order, so two equal requests serialise the same. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => [k, canonical(x)]),
    );
  return v;
}

/** Two requests (or plans) the server would read the same. */
export function sameRequest(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** What saving the draft would change; null when it changes nothing (or cannot be sent). */
export function saveBody(draft: WhatIfDraft, user: User): UserUpdate | null {
  const built = buildWhatIf(draft, user);
  if (!built.ok) return null;
  const { request, plan } = built;
  const body: UserUpdate = {};
  if (request.years_until_retirement !== user.years_until_retirement)
    body.years_until_retirement = request.years_until_retirement;
  if (request.annual_contribution !== Number(user.annual_contribution))
    body.annual_contribution = request.annual_contribution;
  if (request.target_income !== Number(user.target_retirement_income))
    body.target_retirement_income = request.target_income;
  if (!sameRequest(plan, storedPlan(user))) body.retirement_plan = plan;
  return Object.keys(body).length ? body : null;
}

/** The draft differs from what is stored (as the server would read it, not as typed). */
export function isChanged(draft: WhatIfDraft, user: User): boolean {
  const built = buildWhatIf(draft, user);
  if (!built.ok) return true;
  return saveBody(draft, user) !== null;
}

// ----------------------------------------------------------------------------- refusals

const FIELD_CONTROLS: [string, ControlKey][] = [
  ["years_until_retirement", "retireAge"],
  ["annual_contribution", "contribution"],
  ["target_income", "income"],
  ["target_retirement_income", "income"],
  ["withdrawal_rule", "withdrawalRule"],
  ["withdrawal_rate_pct", "withdrawalRule"],
  ["return_model", "returnModel"],
  ["bootstrap_block_years", "returnModel"],
  ["success_target_pct", "successGoal"],
  ["allocation_basis", "allocationBasis"],
  ["allocation_pct", "allocationBasis"],
  ["taxes", "taxes"],
  ["tax_rates", "taxes"],
  ["planning_age", "retireAge"],
];

/** The control a field path names ("plan.income_streams.0.start_age" → stream 0's age). */
export function controlForField(field: string): ControlKey | null {
  const parts = field.split(".").filter(Boolean);
  const streams = parts.indexOf("income_streams");
  if (streams >= 0) {
    const index = Number(parts[streams + 1]);
    if (!Number.isInteger(index)) return "streams";
    const leaf = parts[streams + 2];
    if (leaf === "start_age") return `stream.${index}.startAge`;
    return `stream.${index}.amount`;
  }
  for (const part of [...parts].reverse()) {
    const hit = FIELD_CONTROLS.find(([name]) => name === part);
    if (hit) return hit[1];
  }
  return null;
}

/** A refusal that names no field in its location may name one in its text (the engine's own
 *  checks: "planning_age (95) must be after the retirement age (96)", "return_model: …"). */
function controlInMessage(message: string): ControlKey | null {
  const named = FIELD_CONTROLS.find(([name]) => new RegExp(`\\b${name}\\b`).test(message));
  if (named) return named[1];
  if (/retirement age/i.test(message)) return "retireAge";
  return null;
}

/** Pydantic's "Value error, " prefix, wherever the server left it. */
function tidy(message: string): string {
  return message.replace(/Value error,\s*/gi, "").trim();
}

/** Each message of a refusal by the control it names; what names none is "general". */
export function errorsByControl(err: ApiError | null): ControlErrors {
  if (!err) return {};
  const out: ControlErrors = {};
  const put = (key: ControlKey, message: string) => {
    out[key] = out[key] ? `${out[key]} ${message}` : message;
  };
  if (err.status >= 400 && err.status < 500 && err.fields.length) {
    for (const f of err.fields) {
      const key = controlForField(f.field) ?? controlInMessage(f.message) ?? "general";
      put(key, tidy(f.message));
    }
    return out;
  }
  put(
    err.status >= 400 && err.status < 500
      ? (controlInMessage(err.message) ?? "general")
      : "general",
    tidy(err.message),
  );
  return out;
}

// ----------------------------------------------------------------------------- the answer

export interface Headline {
  success: string;
  successError: string;
  goal: string;
  sustainableIncome: string;
  sustainableRange: string | null;
  medianEnd: string;
  p10End: string;
  planningAge: number;
  retirementAge: number;
  depletion: string;
  depletionAge: string | null;
}

/** The headline figures of an answer, formatted as the rest of the app formats them. */
export function headline(outlook: RetirementOutlook): Headline {
  const p = outlook.projection;
  const range = p.sustainable_income_range ?? null;
  const age = p.depletion.median_age;
  return {
    success: pct(p.success_pct),
    successError: pts(p.success_standard_error_pct, 1, { signed: false }),
    goal: pct(p.success_target_pct, 0),
    sustainableIncome: money(p.sustainable_income),
    sustainableRange: range ? `${money(range[0])}–${money(range[1])}` : null,
    // Compact, as the analysis's own tiles show wealth: a tile on a phone holds "$6.1M".
    medianEnd: money(p.median_wealth_at_planning_age_real, { compact: true }),
    p10End: money(p.p10_wealth_at_planning_age_real, { compact: true }),
    planningAge: p.planning_age,
    retirementAge: p.retirement_age,
    depletion: pct(p.depletion.pct_of_paths),
    depletionAge: age === null ? null : number(age, Number.isInteger(age) ? 0 : 1),
  };
}

/** A lever's effect as shown beside its sentence: the change in success, and when success does
 *  not move (already 0 % or 100 %) the change in the 10th-percentile ending wealth instead. */
export function leverEffect(lever: Lever): { text: string; tone: "good" | "bad" | "neutral" } {
  const change = lever.change_pp;
  if (change !== 0 || lever.p10_wealth_change === 0)
    return {
      text: pts(change, 1),
      tone: change > 0 ? "good" : change < 0 ? "bad" : "neutral",
    };
  const w = lever.p10_wealth_change;
  const sign = w > 0 ? "+" : "";
  return {
    text: `${sign}${money(w, { compact: true })} at 10th pct`,
    tone: w > 0 ? "good" : "bad",
  };
}

// ----------------------------------------------------------------------------- recalculating

/** Asks the server for one what-if; `api` in the app, a fake in the tests. */
export type OutlookLoader = (
  body: RetirementWhatIf,
  opts: Pick<RequestOptions, "signal">,
) => Promise<RetirementOutlook>;

export const loadOutlook: OutlookLoader = (body, opts) =>
  api<RetirementOutlook>("/api/retirement/projection", {
    method: "POST",
    body,
    signal: opts.signal,
  });

export interface RecalcState {
  /** The last answer shown: kept while a newer one is on its way or after a refusal. */
  outlook: RetirementOutlook | null;
  /** The request `outlook` answers. */
  answered: RetirementWhatIf | null;
  /** A request is waiting out the debounce or on its way. */
  pending: boolean;
  /** The latest request's refusal or failure (cleared by the next request). */
  error: ApiError | null;
  /** How many answers have been shown (a test hook: each new answer increments it). */
  version: number;
}

export const DEBOUNCE_MS = 250;

export function initialRecalcState(): RecalcState {
  return { outlook: null, answered: null, pending: false, error: null, version: 0 };
}

/** Debounced what-if requests where only the latest counts: each new request aborts the one
 *  before it, and an answer that arrives after a newer request was made is dropped. */
export class Recalculator {
  private state: RecalcState = initialRecalcState();
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inflight: AbortController | null = null;
  private seq = 0;

  constructor(
    private readonly load: OutlookLoader = loadOutlook,
    private readonly delayMs: number = DEBOUNCE_MS,
  ) {}

  getState = (): RecalcState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Recalculate for `body` after the debounce (at once with `immediate`). */
  request(body: RetirementWhatIf, opts: { immediate?: boolean } = {}): void {
    this.abandon();
    const seq = this.seq;
    this.set({ pending: true, error: null });
    if (opts.immediate) void this.send(body, seq);
    else this.timer = setTimeout(() => void this.send(body, seq), this.delayMs);
  }

  /** Drop whatever is scheduled or on its way (the draft cannot be sent); keep the answer. */
  cancel(): void {
    this.abandon();
    this.set({ pending: false, error: null });
  }

  /** The page went away: stop the timer and the request in flight. */
  stop(): void {
    this.abandon();
  }

  private abandon(): void {
    this.seq++;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.inflight?.abort();
    this.inflight = null;
  }

  private async send(body: RetirementWhatIf, seq: number): Promise<void> {
    if (seq !== this.seq) return;
    const controller = new AbortController();
    this.inflight = controller;
    try {
      const outlook = await this.load(body, { signal: controller.signal });
      if (seq !== this.seq) return;
      this.inflight = null;
      this.set({
        outlook,
        answered: body,
        pending: false,
        error: null,
        version: this.state.version + 1,
      });
    } catch (e) {
      if (seq !== this.seq || controller.signal.aborted) return;
      this.inflight = null;
      const error =
        e instanceof ApiError ? e : new ApiError(0, e instanceof Error ? e.message : String(e));
      this.set({ pending: false, error });
    }
  }

  private set(patch: Partial<RecalcState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }
}
