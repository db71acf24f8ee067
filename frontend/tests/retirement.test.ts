import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, parseErrorBody } from "@/lib/errors";
import {
  addSocialSecurity,
  buildWhatIf,
  CLAIM_AGES,
  controlForField,
  DEBOUNCE_MS,
  draftFromUser,
  errorsByControl,
  headline,
  isChanged,
  leverEffect,
  Recalculator,
  removeStream,
  saveBody,
  updateStream,
  type Lever,
  type OutlookLoader,
  type RetirementOutlook,
  type RetirementWhatIf,
} from "@/lib/retirement";
import type { User } from "@/lib/types";

/** The demo profile as GET /api/user sends it, with a pension and a one-off in its plan. */
function user(overrides: Partial<User> = {}): User {
  return {
    id: "demo",
    display_name: "Jordan Rivera",
    current_age: 42,
    years_until_retirement: 23,
    target_retirement_income: "85000",
    annual_contribution: "24000.0000",
    asset_class_targets: { equity: 70, fixed_income: 20, real_estate: 5, cash: 5 },
    region_targets: { north_america: 100 },
    retirement_plan: {
      birth_year: null,
      planning_age: null,
      income_streams: [{ kind: "pension", start_age: 65, annual_amount: 12000, indexed: false }],
      one_offs: [{ amount: 30000, label: "Roof", age: 70, year: null }],
      spending: { shape: "flat", decline_pct: 1, decline_from_age: 75 },
      withdrawal_rule: "constant_real",
      withdrawal_rate_pct: 4,
      return_model: "normal",
      bootstrap_block_years: 5,
      success_target_pct: 90,
      taxes: true,
      tax_rates: { pretax_effective_pct: 12, capital_gains_pct: 15, taxable_gains_share_pct: 50 },
      withdrawal_order: "conventional",
      allocation_basis: "as_held",
      retirement_allocation_pct: null,
      glide_years: 0,
    },
    profile_completed_at: "2026-12-01T00:00:00Z",
    created_at: "2026-12-01T00:00:00Z",
    updated_at: "2026-12-01T00:00:00Z",
    ...overrides,
  } as User;
}

function built(draft: ReturnType<typeof draftFromUser>, u: User) {
  const b = buildWhatIf(draft, u);
  if (!b.ok) throw new Error(`not sendable: ${JSON.stringify(b.errors)}`);
  return b;
}

describe("the draft", () => {
  it("is seeded from the stored profile and plan", () => {
    const d = draftFromUser(user());
    expect(d).toMatchObject({
      retireAge: "65",
      contribution: "24000",
      income: "85000",
      withdrawalRule: "constant_real",
      returnModel: "normal",
      successGoal: "90",
      allocationBasis: "as_held",
      taxes: true,
    });
    expect(d.streams).toEqual([
      { kind: "pension", amount: "12000", startAge: "65", indexed: false },
    ]);
  });

  it("reads an empty stored plan as the defaults", () => {
    const d = draftFromUser(user({ retirement_plan: undefined }));
    expect(d.streams).toEqual([]);
    expect(d.returnModel).toBe("normal");
    expect(d.successGoal).toBe("90");
    expect(d.taxes).toBe(true);
  });

  it("adds Social Security indexed to inflation, claimed at 67, and removes it again", () => {
    let d = addSocialSecurity(draftFromUser(user()), "24000");
    expect(d.streams[1]).toEqual({
      kind: "social_security",
      amount: "24000",
      startAge: "67",
      indexed: true,
    });
    d = updateStream(d, 1, { startAge: "70" });
    expect(d.streams[1].startAge).toBe("70");
    expect(d.streams[0].startAge).toBe("65");
    expect(removeStream(d, 1).streams).toEqual(draftFromUser(user()).streams);
    expect(CLAIM_AGES).toEqual([62, 63, 64, 65, 66, 67, 68, 69, 70]);
  });
});

describe("buildWhatIf", () => {
  it("sends the profile figures and the whole plan, keeping what the panel does not edit", () => {
    const u = user();
    const d = {
      ...addSocialSecurity(draftFromUser(u), "24,000"),
      retireAge: "60",
      returnModel: "historical" as const,
      taxes: false,
    };
    const { request } = built(d, u);
    expect(request.years_until_retirement).toBe(18);
    expect(request.annual_contribution).toBe(24000);
    expect(request.target_income).toBe(85000);
    expect(request.plan.return_model).toBe("historical");
    expect(request.plan.taxes).toBe(false);
    expect(request.plan.income_streams).toEqual([
      { kind: "pension", start_age: 65, annual_amount: 12000, indexed: false },
      { kind: "social_security", start_age: 67, annual_amount: 24000, indexed: true },
    ]);
    // Not edited here, sent as stored: the request replaces the stored plan as a whole.
    expect(request.plan.one_offs).toEqual(u.retirement_plan!.one_offs);
    expect(request.plan.tax_rates).toEqual(u.retirement_plan!.tax_rates);
    expect(request.plan.withdrawal_rate_pct).toBe(4);
  });

  it("refuses only what cannot be sent, by the control it concerns", () => {
    const u = user();
    const d = addSocialSecurity({ ...draftFromUser(u), retireAge: "", income: "lots" });
    const b = buildWhatIf(d, u);
    expect(b.ok).toBe(false);
    if (b.ok) return;
    expect(Object.keys(b.errors).sort()).toEqual(["income", "retireAge", "stream.1.amount"]);
  });

  it("keeps the retirement age between today and the profile's 70 years", () => {
    const u = user();
    for (const [age, ok] of [
      ["41", false],
      ["42", true],
      ["112", true],
      ["113", false],
      ["65.5", false],
    ] as const) {
      const b = buildWhatIf({ ...draftFromUser(u), retireAge: age }, u);
      expect(b.ok, age).toBe(ok);
      if (!b.ok) expect(b.errors.retireAge).toBeTruthy();
    }
  });

  it("leaves the server's bounds to the server (a goal of 100 % is sent)", () => {
    const b = built({ ...draftFromUser(user()), successGoal: "100" }, user());
    expect(b.request.plan.success_target_pct).toBe(100);
  });
});

describe("saving", () => {
  it("changes nothing when the draft is the stored plan, however it is typed", () => {
    const u = user();
    expect(saveBody(draftFromUser(u), u)).toBeNull();
    expect(isChanged(draftFromUser(u), u)).toBe(false);
    expect(isChanged({ ...draftFromUser(u), contribution: "24000.00" }, u)).toBe(false);
  });

  it("saves the plan, and only the profile figures that changed", () => {
    const u = user();
    const d = { ...addSocialSecurity(draftFromUser(u), "24000"), retireAge: "63" };
    const body = saveBody(d, u)!;
    expect(body.years_until_retirement).toBe(21);
    expect(body).not.toHaveProperty("annual_contribution");
    expect(body).not.toHaveProperty("target_retirement_income");
    expect(body.retirement_plan?.income_streams).toHaveLength(2);
    expect(isChanged(d, u)).toBe(true);
  });

  it("saves profile figures alone when the plan is unchanged", () => {
    const u = user();
    const body = saveBody({ ...draftFromUser(u), income: "80000", contribution: "30000" }, u);
    expect(body).toEqual({ target_retirement_income: 80000, annual_contribution: 30000 });
  });

  it("has nothing to save from a draft that cannot be sent", () => {
    expect(saveBody({ ...draftFromUser(user()), income: "" }, user())).toBeNull();
  });
});

describe("refusals by control", () => {
  const refusal = (status: number, body: unknown) => parseErrorBody(status, body, `${status}`);

  it("maps field paths to controls", () => {
    expect(controlForField("years_until_retirement")).toBe("retireAge");
    expect(controlForField("annual_contribution")).toBe("contribution");
    expect(controlForField("target_income")).toBe("income");
    expect(controlForField("retirement_plan.income_streams.2.start_age")).toBe("stream.2.startAge");
    expect(controlForField("plan.income_streams.0.annual_amount")).toBe("stream.0.amount");
    expect(controlForField("plan.income_streams")).toBe("streams");
    expect(controlForField("plan.success_target_pct")).toBe("successGoal");
    expect(controlForField("plan.return_model")).toBe("returnModel");
    expect(controlForField("plan.one_offs.0.age")).toBeNull();
  });

  it("puts FastAPI's 422 next to the field it names", () => {
    const err = refusal(422, {
      detail: [
        {
          type: "less_than",
          loc: ["body", "plan", "success_target_pct"],
          msg: "Input should be less than 100",
        },
        {
          type: "less_than_equal",
          loc: ["body", "plan", "income_streams", 0, "start_age"],
          msg: "Input should be less than or equal to 120",
        },
      ],
    });
    expect(errorsByControl(err)).toEqual({
      successGoal: "Input should be less than 100",
      "stream.0.startAge": "Input should be less than or equal to 120",
    });
  });

  it("reads the engine's own refusals, which name the field in their text", () => {
    const late = refusal(422, {
      detail: [
        {
          loc: ["body"],
          msg: "Invalid retirement scenario: Value error, planning_age (95) must be after the retirement age (96)",
          type: "value_error",
        },
      ],
    });
    expect(errorsByControl(late)).toEqual({
      retireAge:
        "Invalid retirement scenario: planning_age (95) must be after the retirement age (96)",
    });
    const history = refusal(422, {
      message:
        "Invalid retirement scenario: Value error, return_model: the historical model covers plans up to 123 years (this one runs 130); use bootstrap",
    });
    expect(Object.keys(errorsByControl(history))).toEqual(["returnModel"]);
  });

  it("shows anything else, and every server failure, for the panel as a whole", () => {
    expect(errorsByControl(new ApiError(500, "internal error"))).toEqual({
      general: "internal error",
    });
    expect(errorsByControl(new ApiError(0, "Cannot reach the Alex server."))).toEqual({
      general: "Cannot reach the Alex server.",
    });
    expect(errorsByControl(new ApiError(429, "Too many requests", [], 30))).toEqual({
      general: "Too many requests",
    });
    expect(errorsByControl(null)).toEqual({});
    const oneOff = parseErrorBody(
      422,
      {
        detail: [
          { loc: ["body"], msg: "Value error, a one-off needs exactly one of 'age' or 'year'" },
        ],
      },
      "422",
    );
    expect(errorsByControl(oneOff)).toEqual({
      general: "a one-off needs exactly one of 'age' or 'year'",
    });
  });
});

// ----------------------------------------------------------------------------- the answer

function outlook(success: number, overrides: Partial<RetirementOutlook["projection"]> = {}) {
  return {
    projection: {
      retirement_age: 65,
      planning_age: 95,
      paths: 10000,
      success_pct: success,
      success_standard_error_pct: 0.47,
      success_target_pct: 90,
      sustainable_income: 60574.95,
      sustainable_income_range: [59864, 61389],
      median_wealth_at_planning_age_real: 1294129.72,
      p10_wealth_at_planning_age_real: 0,
      depletion: { pct_of_paths: 31.9, median_age: 83, by_age: [] },
      wealth_bands_real: [],
      inputs: { return_model: "normal" },
      ...overrides,
    },
    allocation_basis: "as_held",
    by_model: [],
    levers: [],
    allocations: [],
  } as unknown as RetirementOutlook;
}

describe("headline", () => {
  it("formats the answer's own figures", () => {
    expect(headline(outlook(68.1))).toEqual({
      success: "68.1%",
      successError: "0.5 pts",
      goal: "90%",
      sustainableIncome: "$60,575",
      sustainableRange: "$59,864–$61,389",
      medianEnd: "$1.3M",
      p10End: "$0",
      planningAge: 95,
      retirementAge: 65,
      depletion: "31.9%",
      depletionAge: "83",
    });
  });

  it("says what is missing rather than inventing it", () => {
    const h = headline(
      outlook(100, {
        sustainable_income: null,
        sustainable_income_range: null,
        depletion: { pct_of_paths: 6, median_age: 89.5, by_age: [] },
      }),
    );
    expect(h.sustainableIncome).toBe("—");
    expect(h.sustainableRange).toBeNull();
    expect(h.depletionAge).toBe("89.5");
    expect(
      headline(outlook(100, { depletion: { pct_of_paths: 0, median_age: null, by_age: [] } }))
        .depletionAge,
    ).toBeNull();
  });
});

describe("leverEffect", () => {
  const lever = (change_pp: number, p10_wealth_change: number): Lever => ({
    key: "save_more",
    label: "Save $6,000 more a year",
    success_pct: 50,
    change_pp,
    p10_wealth_at_planning_age_real: 0,
    p10_wealth_change,
  });

  it("gives the change in success, signed", () => {
    expect(leverEffect(lever(8.62, 0))).toEqual({ text: "+8.6 pts", tone: "good" });
    expect(leverEffect(lever(-2.92, 0))).toEqual({ text: "\u22122.9 pts", tone: "bad" });
    expect(leverEffect(lever(0, 0))).toEqual({ text: "0.0 pts", tone: "neutral" });
  });

  it("falls back to the 10th-percentile wealth when success cannot move", () => {
    expect(leverEffect(lever(0, 1013045.09))).toEqual({ text: "+$1M at 10th pct", tone: "good" });
    expect(leverEffect(lever(0, -56607.29))).toEqual({
      text: "\u2212$56.6K at 10th pct",
      tone: "bad",
    });
  });
});

// ----------------------------------------------------------------------------- recalculating

/** A server whose answers the test releases by hand, in any order; `honoursAbort: false` is
 *  one that answers an aborted request anyway. */
function controlledServer({ honoursAbort = true } = {}) {
  const calls: {
    body: RetirementWhatIf;
    signal?: AbortSignal;
    resolve: (o: RetirementOutlook) => void;
    reject: (e: unknown) => void;
  }[] = [];
  const load: OutlookLoader = (body, opts) =>
    new Promise((resolve, reject) => {
      calls.push({ body, signal: opts.signal, resolve, reject });
      if (honoursAbort)
        opts.signal?.addEventListener("abort", () =>
          reject(new DOMException("aborted", "AbortError")),
        );
    });
  return { calls, load };
}

const ask = (years: number): RetirementWhatIf => ({ years_until_retirement: years });

describe("Recalculator", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("waits out the debounce and sends only the last of quick changes", async () => {
    const server = controlledServer();
    const r = new Recalculator(server.load);
    r.request(ask(20));
    r.request(ask(21));
    r.request(ask(22));
    expect(r.getState().pending).toBe(true);
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS - 1);
    expect(server.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.calls.map((c) => c.body)).toEqual([ask(22)]);
    server.calls[0].resolve(outlook(55));
    await vi.runAllTimersAsync();
    expect(r.getState()).toMatchObject({ pending: false, answered: ask(22), version: 1 });
    expect(r.getState().outlook?.projection.success_pct).toBe(55);
  });

  it("aborts the request in flight, and never shows an older answer over a newer one", async () => {
    const server = controlledServer({ honoursAbort: false });
    const r = new Recalculator(server.load);
    const seen: number[] = [];
    r.subscribe(() => {
      const o = r.getState().outlook;
      if (o && seen[seen.length - 1] !== o.projection.success_pct)
        seen.push(o.projection.success_pct);
    });
    r.request(ask(20), { immediate: true });
    r.request(ask(25));
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(server.calls).toHaveLength(2);
    expect(server.calls[0].signal?.aborted).toBe(true);
    // The newer answer first, then the older one (a server that ignored the abort).
    server.calls[1].resolve(outlook(70));
    await vi.runAllTimersAsync();
    server.calls[0].resolve(outlook(40));
    await vi.runAllTimersAsync();
    expect(seen).toEqual([70]);
    expect(r.getState()).toMatchObject({ answered: ask(25), pending: false });
  });

  it("keeps showing the last answer while the next one is on its way", async () => {
    const server = controlledServer();
    const r = new Recalculator(server.load);
    r.request(ask(20), { immediate: true });
    server.calls[0].resolve(outlook(50));
    await vi.runAllTimersAsync();
    r.request(ask(21));
    expect(r.getState().pending).toBe(true);
    expect(r.getState().outlook?.projection.success_pct).toBe(50);
    expect(r.getState().answered).toEqual(ask(20));
  });

  it("keeps the last answer after a refusal, and the next request clears it", async () => {
    const server = controlledServer();
    const r = new Recalculator(server.load);
    r.request(ask(20), { immediate: true });
    server.calls[0].resolve(outlook(50));
    await vi.runAllTimersAsync();
    r.request(ask(99), { immediate: true });
    server.calls[1].reject(new ApiError(422, "Input should be less than or equal to 70"));
    await vi.runAllTimersAsync();
    expect(r.getState().error?.status).toBe(422);
    expect(r.getState().pending).toBe(false);
    expect(r.getState().outlook?.projection.success_pct).toBe(50);
    r.request(ask(21));
    expect(r.getState().error).toBeNull();
  });

  it("turns a failure that is not the API's into a message", async () => {
    const r = new Recalculator(() => Promise.reject(new TypeError("boom")));
    r.request(ask(20), { immediate: true });
    await vi.runAllTimersAsync();
    expect(r.getState().error).toBeInstanceOf(ApiError);
    expect(r.getState().error?.message).toBe("boom");
  });

  it("cancel drops what is scheduled and in flight; stop does too", async () => {
    const server = controlledServer();
    const r = new Recalculator(server.load);
    r.request(ask(20), { immediate: true });
    r.request(ask(21));
    r.cancel();
    expect(server.calls[0].signal?.aborted).toBe(true);
    expect(r.getState().pending).toBe(false);
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS * 2);
    expect(server.calls).toHaveLength(1);
    r.request(ask(22));
    r.stop();
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS * 2);
    expect(server.calls).toHaveLength(1);
  });
});
