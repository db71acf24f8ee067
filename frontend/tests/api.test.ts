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

/** A fetch that never answers and rejects once its signal aborts, as the browser's does. */
function hangingFetch() {
  return vi.fn(
    (_url: string, init: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        const abort = () => reject(new DOMException("aborted", "AbortError"));
        if (init.signal?.aborted) abort();
        else init.signal?.addEventListener("abort", abort);
      }),
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

  it("gives up on a request that hangs, after its timeout", async () => {
    vi.useFakeTimers();
    try {
      const hanging = hangingFetch();
      vi.stubGlobal("fetch", hanging);
      const pending = api("/api/jobs/j1", { timeoutMs: 5_000 }).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(4_999);
      expect(hanging.mock.calls[0][1].signal?.aborted).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      const err = (await pending) as ApiError;
      expect(err).toBeInstanceOf(ApiError);
      expect(err.status).toBe(0);
      expect(err.message).toBe("The Alex server did not answer within 5 s.");
    } finally {
      vi.useRealTimers();
    }
  });

  it("passes the caller's abort through as an abort, not as an error to show", async () => {
    vi.stubGlobal("fetch", hangingFetch());
    const controller = new AbortController();
    const pending = api("/api/jobs", { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    expect(((await pending) as Error).name).toBe("AbortError");
  });
});
