// The one HTTP client: relative /api URLs (same origin), bearer token on every call,
// a 401 clears the session and sends the user to sign-in.
import { ApiError, parseErrorBody } from "./errors";
import { clearToken, getToken } from "./token";

export { ApiError } from "./errors";

type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  query?: Query;
  /** Raw text body (CSV import). */
  text?: string;
  /** Do not redirect to sign-in on 401 (the sign-in call itself). */
  noAuthRedirect?: boolean;
  signal?: AbortSignal;
  /** Give up after this many milliseconds (default 30 s): a request never hangs a page. */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

let redirecting = false;

function onUnauthorized(): void {
  clearToken();
  if (typeof window === "undefined" || redirecting) return;
  const path = window.location.pathname;
  if (path.startsWith("/signin") || path.startsWith("/signup")) return;
  redirecting = true;
  const next = encodeURIComponent(path + window.location.search);
  // A full page load on purpose: this runs outside React (no router), and it drops every
  // signed-in page's state along with the rejected token.
  // eslint-disable-next-line @next/next/no-location-assign-relative-destination
  window.location.assign(`/signin/?next=${next}`);
}

export function buildUrl(path: string, query?: Query): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== "") qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = await getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (opts.text !== undefined) {
    headers["Content-Type"] = "text/csv";
    body = opts.text;
  } else if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  // One controller aborts the request on the caller's signal or on the timeout, whichever
  // comes first; the body is read under the same deadline.
  const controller = new AbortController();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const forward = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) forward();
  else opts.signal?.addEventListener("abort", forward);
  let res: Response;
  let text: string;
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method: opts.method ?? (body ? "POST" : "GET"),
      headers,
      body,
      signal: controller.signal,
    });
    text = res.status === 204 ? "" : await res.text();
  } catch (err) {
    if (timedOut)
      throw new ApiError(
        0,
        `The Alex server did not answer within ${Math.round(timeoutMs / 1000)} s.`,
      );
    if (opts.signal?.aborted) throw err;
    throw new ApiError(0, "Cannot reach the Alex server. Check that it is running.");
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", forward);
  }
  if (res.status === 204) return undefined as T;
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    if (res.status === 401 && !opts.noAuthRedirect) onUnauthorized();
    const err = parseErrorBody(
      res.status,
      data,
      `${res.status} ${res.statusText || "request failed"}`,
    );
    if (res.status === 429) {
      const ra = Number(res.headers.get("Retry-After"));
      throw new ApiError(429, err.message, err.fields, Number.isFinite(ra) ? ra : null);
    }
    throw err;
  }
  return data as T;
}
