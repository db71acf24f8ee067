import { describe, expect, it } from "vitest";
import {
  readChart,
  readCharts,
  readDataQuality,
  readReportMarkdown,
  readRetirement,
} from "@/lib/payloads";
// A real job recorded from `alex serve` with the offline analyst on the demo portfolio.
import job from "./fixtures/job.json";

describe("job payload readers (recorded job)", () => {
  it("reads the report markdown", () => {
    const md = readReportMarkdown(job.report_payload);
    expect(md).toMatch(/^# Portfolio report/);
    expect(md).toMatch(/## Summary/);
  });

  it("reads every chart spec, including the band series of the fan charts", () => {
    const charts = readCharts(job.charts_payload);
    expect(charts.length).toBe(job.charts_payload.charts.length);
    const types = new Set(charts.map((c) => c.type));
    expect(types).toEqual(new Set(["donut", "pie", "bar", "horizontal_bar", "area", "line"]));
    const fan = charts.find((c) => c.key === "retirement_fan")!;
    expect(fan.bands!.length).toBeGreaterThan(20);
    expect(fan.bands![1].p10).toBeLessThan(fan.bands![1].p90);
    expect(fan.referenceLines?.[0]).toEqual({ axis: "x", value: 65, label: "Retirement" });
    const drift = charts.find((c) => c.key === "asset_class_drift")!;
    expect(drift.series?.map((s) => s.key)).toEqual(["value", "target"]);
    expect(drift.data[0].target).toBe(70);
  });

  it("reads the retirement projection", () => {
    const r = readRetirement(job.retirement_payload)!;
    expect(r.successProbability).toBeCloseTo(56.69);
    expect(r.successStdError).toBeCloseTo(0.5);
    expect(r.sustainableIncome).toBeCloseTo(43330.3);
    expect(r.sustainableIncomeRate).toBe(90);
    expect(r.targetIncome).toBe(85000);
    expect(r.paths).toBe(10000);
    expect(r.bands.length).toBeGreaterThan(40);
    expect(r.bands[0].x).toBe(42);
    expect(r.scenarios.length).toBe(2);
    expect(r.scenarios[0].label).toBe("Retire 2 years later");
    expect(r.scenarios[0].retirementAge).toBe(67);
    expect(r.markdown).toMatch(/Retirement outlook/);
  });

  it("reads data quality and grounding", () => {
    const dq = readDataQuality(job.summary_payload);
    expect(dq.coveragePct).toBeCloseTo(99.76);
    expect(dq.unclassified).toEqual(["ARKK"]);
    expect(dq.missingPrices).toEqual([]);
    expect(dq.grounding.status).toBe("ok");
    expect(dq.grounding.checked).toBe(157);
    expect(dq.headline).toMatch(/^Jordan, your portfolio/);
  });

  it("reads the coverage statement and stale prices, and tolerates analyses from before them", () => {
    const dq = readDataQuality({
      data_quality: {
        coverage_pct: 80,
        coverage_statement: "80% of valued holdings classified; 1 holding not valued",
        unvalued_holdings: 1,
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
          {
            symbol: "BND",
            as_of: "2026-12-01",
            age_days: 1,
            source: "polygon",
            reason: "refresh_failed",
            detail: "the last refresh failed (HTTP 429)",
          },
          { as_of: "2026-12-01" },
        ],
      },
    });
    expect(dq.coverageStatement).toBe("80% of valued holdings classified; 1 holding not valued");
    expect(dq.unvaluedHoldings).toBe(1);
    expect(dq.missingPrices).toEqual(["ZZQX"]);
    expect(dq.stalePrices.map((s) => [s.symbol, s.reason, s.ageDays])).toEqual([
      ["VTI", "old", 12],
      ["BND", "refresh_failed", 1],
    ]);
    const old = readDataQuality(job.summary_payload);
    expect(old.coverageStatement).toBeNull();
    expect(old.stalePrices).toEqual([]);
  });
});

describe("defensive readers", () => {
  it("rejects unknown chart types and empty charts", () => {
    expect(readChart({ type: "radar", data: [{ name: "a", value: 1 }] })).toBeNull();
    expect(readChart({ type: "pie", data: [] })).toBeNull();
    expect(readChart("nope")).toBeNull();
  });
  it("tolerates missing payloads", () => {
    expect(readCharts(null)).toEqual([]);
    expect(readRetirement(null)).toBeNull();
    expect(readReportMarkdown(undefined)).toBeNull();
    expect(readDataQuality(null).grounding.status).toBe("unknown");
  });
});
