import { describe, expect, it } from "vitest";
import { parseErrorBody } from "@/lib/errors";

describe("parseErrorBody", () => {
  it("reads FastAPI validation errors with field locations", () => {
    const err = parseErrorBody(
      422,
      {
        detail: [
          {
            loc: ["body", "asset_class_targets"],
            msg: "Value error, asset_class_targets must sum to 100 (±0.01), but sums to 90",
            type: "value_error",
          },
        ],
      },
      "x",
    );
    expect(err.status).toBe(422);
    expect(err.fieldMessage("asset_class_targets")).toBe(
      "asset_class_targets must sum to 100 (±0.01), but sums to 90",
    );
    expect(err.message).toMatch(/asset class targets: asset_class_targets must sum to 100/);
  });

  it("reads a plain detail message", () => {
    const err = parseErrorBody(401, { detail: "invalid email or password" }, "x");
    expect(err.message).toBe("invalid email or password");
    expect(err.fields).toEqual([]);
  });

  it("falls back when the body is not JSON", () => {
    expect(parseErrorBody(502, "Bad gateway", "502 Bad Gateway").message).toBe("502 Bad Gateway");
  });
});
