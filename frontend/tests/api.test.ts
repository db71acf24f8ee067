import { afterEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, buildUrl } from "@/lib/api";
import { setTokenGetter } from "@/lib/token";

afterEach(() => {
  vi.unstubAllGlobals();
  setTokenGetter(null);
});

function reply(status: number, body: unknown, headers: Record<string, string> = {}) {
  return vi.fn(
    async () => new Response(body === null ? null : JSON.stringify(body), { status, headers }),
  );
}

describe("api client", () => {
  it("builds query strings, skipping empty values", () => {
    expect(buildUrl("/api/instruments", { q: "SP Y", limit: 8, x: undefined, y: "" })).toBe(
      "/api/instruments?q=SP+Y&limit=8",
    );
    expect(buildUrl("/api/jobs")).toBe("/api/jobs");
  });

  it("sends the bearer token and JSON body", async () => {
    const fetchMock = reply(200, { ok: true });
    vi.stubGlobal("fetch", fetchMock);
    setTokenGetter(async () => "tok-123");
    await expect(api("/api/user", { method: "PUT", body: { current_age: 40 } })).resolves.toEqual({
      ok: true,
    });
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/user");
    expect(init.method).toBe("PUT");
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer tok-123");
    expect(init.body).toBe('{"current_age":40}');
  });

  it("turns 422 field errors into an ApiError with field messages", async () => {
    vi.stubGlobal(
      "fetch",
      reply(422, {
        detail: [
          {
            loc: ["body", "region_targets"],
            msg: "Value error, region_targets must sum to 100 (±0.01), but sums to 95",
            type: "value_error",
          },
        ],
      }),
    );
    const err = (await api("/api/user", { method: "PUT", body: {} }).catch((e) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.fieldMessage("region_targets")).toMatch(/must sum to 100/);
  });

  it("reports Retry-After on 429 and nothing-to-parse on 204", async () => {
    vi.stubGlobal(
      "fetch",
      reply(429, { detail: "too many analyses this hour" }, { "Retry-After": "120" }),
    );
    const err = (await api("/api/analyze", { method: "POST" }).catch((e) => e)) as ApiError;
    expect(err.retryAfter).toBe(120);
    vi.stubGlobal("fetch", reply(204, null));
    await expect(api("/api/positions/x", { method: "DELETE" })).resolves.toBeUndefined();
  });

  it("explains a server that cannot be reached", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        throw new TypeError("fetch failed");
      }),
    );
    const err = (await api("/api/user").catch((e) => e)) as ApiError;
    expect(err.status).toBe(0);
    expect(err.message).toMatch(/Cannot reach/);
  });
});
