import { describe, expect, it } from "vitest";
import {
  chartSeries,
  dataQualityIssues,
  groundingStatus,
  missingPriceSymbols,
  type DataQualityReport,
  type SummaryPayload,
} from "@/lib/payloads";
import type { Job } from "@/lib/types";
// What the API sends for a demo analysis recorded in 2026-11, before stale prices were counted
// (tests/test_payloads.py checks this file is the server's reading of that stored job).
import recorded from "./fixtures/job.json";

const job = recorded as unknown as Job;

describe("the recorded job, as the API sends it", () => {
  it("has every section typed", () => {
    expect(job.report_payload?.markdown).toMatch(/^# Portfolio report/);
    expect(job.charts_payload?.charts).toHaveLength(9);
    expect(job.retirement_payload?.summary.success_pct).toBeCloseTo(56.69);
    expect(job.retirement_payload?.projection?.wealth_bands_real[0].age).toBe(42);
    expect(job.summary_payload?.data_quality.unclassified_symbols).toEqual(["ARKK"]);
    // Not counted back then: absent, not invented.
    expect(job.summary_payload?.data_quality.coverage_statement).toBeNull();
    expect(job.summary_payload?.data_quality.stale_prices).toEqual([]);
  });

  it("draws the drift charts as actual against target", () => {
    const charts = job.charts_payload!.charts;
    const drift = charts.find((c) => c.key === "asset_class_drift")!;
    expect(chartSeries(drift)?.map((s) => s.key)).toEqual(["value", "target"]);
    expect(drift.data[0].target).toBe(70);
    const donut = charts.find((c) => c.key === "asset_class_donut")!;
    expect(chartSeries(donut)).toBeNull();
  });
});

describe("derived once", () => {
  const dq: DataQualityReport = {
    coverage_pct: 80,
    coverage_statement: "80% of valued holdings classified; 1 holding not valued",
    unvalued_holdings: 1,
    unclassified_symbols: ["ARKK"],
    missing_prices: [
      { symbol: "ZZQX", account: "IRA", reason: "no_price" },
      { symbol: "ZZQX", account: "401(k)", reason: "no_price" },
    ],
    stale_prices: [
      {
        symbol: "VTI",
        as_of: "2026-11-20",
        age_days: 12,
        source: "seed",
        reason: "old",
        detail: "12 days old (older than 7)",
      },
    ],
    notes: [],
  };

  it("counts a symbol missing its price in two accounts once", () => {
    expect(missingPriceSymbols(dq)).toEqual(["ZZQX"]);
    const summary = { ...job.summary_payload!, data_quality: dq } as SummaryPayload;
    expect(dataQualityIssues(summary)).toBe(3); // ARKK, ZZQX, VTI
    expect(
      dataQualityIssues({ ...summary, grounding: { ...summary.grounding!, grounded: false } }),
    ).toBe(4);
    expect(dataQualityIssues(null)).toBe(0);
  });

  it("says whether the grounding check passed, failed or was not recorded", () => {
    expect(groundingStatus(job.summary_payload?.grounding)).toBe("ok");
    expect(
      groundingStatus({
        grounded: false,
        checked: 3,
        matched: 2,
        unmatched: ["12.5%"],
        by_section: {},
      }),
    ).toBe("issues");
    expect(groundingStatus(null)).toBe("unknown");
  });
});
