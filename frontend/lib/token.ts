// Where the bearer token comes from. The built-in (local) auth keeps a JWT in localStorage;
// the Clerk build registers a getter backed by Clerk's session instead.

const KEY = "alex.token";

type TokenGetter = () => Promise<string | null>;

let externalGetter: TokenGetter | null = null;

export function setTokenGetter(getter: TokenGetter | null): void {
  externalGetter = getter;
}

export function storeToken(token: string): void {
  window.localStorage.setItem(KEY, token);
}

export function clearToken(): void {
  if (typeof window !== "undefined") window.localStorage.removeItem(KEY);
}

export function hasLocalToken(): boolean {
  return typeof window !== "undefined" && !!window.localStorage.getItem(KEY);
}

export async function getToken(): Promise<string | null> {
  if (externalGetter) return externalGetter();
  if (typeof window === "undefined") return null;
  return window.localStorage.getItem(KEY);
}

export const clerkPublishableKey: string = process.env.NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY ?? "";
export const clerkEnabled = clerkPublishableKey.length > 0;
