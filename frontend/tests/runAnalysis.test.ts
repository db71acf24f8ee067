import { describe, expect, it } from "vitest";
import { ApiError, parseErrorBody } from "@/lib/errors";
import { ADD_AN_ACCOUNT, ADD_HOLDINGS, startFailure, whatToAdd } from "@/lib/runAnalysis";

describe("whatToAdd", () => {
  it("asks for an account when there is none", () => {
    expect(whatToAdd({ accounts: 0, positions: 0, cash: 0 })).toBe(ADD_AN_ACCOUNT);
    expect(ADD_AN_ACCOUNT).toMatch(/add an account/i);
  });

  it("asks for holdings or cash when the accounts are empty", () => {
    expect(whatToAdd({ accounts: 2, positions: 0, cash: 0 })).toBe(ADD_HOLDINGS);
    expect(ADD_HOLDINGS).toMatch(/holdings or a cash balance/);
  });

  it("lets an analysis start with positions or with cash alone", () => {
    expect(whatToAdd({ accounts: 1, positions: 3, cash: 0 })).toBeNull();
    expect(whatToAdd({ accounts: 1, positions: 0, cash: 5000 })).toBeNull();
  });
});

describe("startFailure", () => {
  it("reads the server's 'nothing to analyse' refusal (422 on accounts)", () => {
    // The body POST /api/analyze sends for a user without accounts.
    const err = parseErrorBody(
      422,
      {
        detail: [
          {
            loc: ["body", "accounts"],
            msg: "add an account before running an analysis",
            type: "value_error",
          },
        ],
      },
      "422",
    );
    expect(startFailure(err)).toEqual({ message: ADD_AN_ACCOUNT, nothingToAnalyse: true });
  });

  it("does not mistake another 422 for an empty portfolio", () => {
    const err = parseErrorBody(
      422,
      { detail: [{ loc: ["body", "source"], msg: "bad source", type: "value_error" }] },
      "422",
    );
    expect(startFailure(err)).toEqual({ message: "source: bad source", nothingToAnalyse: false });
  });

  it("says when to retry after the hourly limit", () => {
    const err = new ApiError(429, "too many analyses this hour", [], 150);
    expect(startFailure(err).message).toBe("too many analyses this hour Try again in 3 min.");
    expect(startFailure(err).nothingToAnalyse).toBe(false);
  });

  it("passes any other error's message through", () => {
    const err = new ApiError(503, "the queue is unavailable");
    expect(startFailure(err)).toEqual({
      message: "the queue is unavailable",
      nothingToAnalyse: false,
    });
  });
});
