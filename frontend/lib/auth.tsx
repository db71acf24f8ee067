import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from "react";
import { useRouter } from "next/router";
import { api } from "./api";
import { clearToken, clerkEnabled, hasLocalToken, storeToken } from "./token";
import type { AuthConfig, TokenResponse } from "./types";

interface AuthState {
  /** null while unknown (first render, or Clerk still loading). */
  signedIn: boolean | null;
  mode: "local" | "clerk";
  signIn: (email: string, password: string) => Promise<void>;
  signUp: (email: string, password: string, displayName: string) => Promise<void>;
  demo: () => Promise<void>;
  signOut: () => Promise<void>;
  /** Set by the Clerk bridge. */
  setSignedIn: (v: boolean | null) => void;
  setClerkSignOut: (fn: (() => Promise<void>) | null) => void;
}

const Ctx = createContext<AuthState | null>(null);

const subscribeNever = () => () => {};

export function useAuth(): AuthState {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error("useAuth outside AuthProvider");
  return ctx;
}

export function AuthProvider({ children }: { children: ReactNode }) {
  // null until something says otherwise: a sign-in or sign-out here, or the Clerk bridge.
  const [known, setSignedIn] = useState<boolean | null>(null);
  // The static HTML was rendered without localStorage, so the stored token is read only once
  // hydrated (false on the server and during hydration, true afterwards).
  const hydrated = useSyncExternalStore(
    subscribeNever,
    () => true,
    () => false,
  );
  const signedIn = known ?? (clerkEnabled || !hydrated ? null : hasLocalToken());
  const clerkOut = useRef<(() => Promise<void>) | null>(null);
  const setClerkSignOut = useCallback((fn: (() => Promise<void>) | null) => {
    clerkOut.current = fn;
  }, []);

  const accept = useCallback((t: TokenResponse) => {
    storeToken(t.access_token);
    setSignedIn(true);
  }, []);

  const signIn = useCallback(
    async (email: string, password: string) => {
      accept(
        await api<TokenResponse>("/api/auth/signin", {
          method: "POST",
          body: { email, password },
          noAuthRedirect: true,
        }),
      );
    },
    [accept],
  );

  const signUp = useCallback(
    async (email: string, password: string, display_name: string) => {
      accept(
        await api<TokenResponse>("/api/auth/signup", {
          method: "POST",
          body: { email, password, display_name },
          noAuthRedirect: true,
        }),
      );
    },
    [accept],
  );

  const demo = useCallback(async () => {
    accept(await api<TokenResponse>("/api/auth/demo", { method: "POST", noAuthRedirect: true }));
  }, [accept]);

  const signOut = useCallback(async () => {
    if (clerkEnabled && clerkOut.current) {
      await clerkOut.current();
    } else {
      try {
        await api("/api/auth/signout", { method: "POST", noAuthRedirect: true });
      } catch {
        /* token is dropped anyway */
      }
    }
    clearToken();
    setSignedIn(false);
  }, [clerkOut]);

  return (
    <Ctx.Provider
      value={{
        signedIn,
        mode: clerkEnabled ? "clerk" : "local",
        signIn,
        signUp,
        demo,
        signOut,
        setSignedIn,
        setClerkSignOut,
      }}
    >
      {children}
    </Ctx.Provider>
  );
}

/** Redirects signed-out visitors to /signin, remembering where they were going. */
export function RequireAuth({ children, fallback }: { children: ReactNode; fallback: ReactNode }) {
  const { signedIn } = useAuth();
  const router = useRouter();
  useEffect(() => {
    if (signedIn === false) {
      const next = encodeURIComponent(router.asPath);
      void router.replace(`/signin/?next=${next}`);
    }
  }, [signedIn, router]);
  if (signedIn !== true) return <>{fallback}</>;
  return <>{children}</>;
}

export function useAuthConfig(): AuthConfig | null {
  const [cfg, setCfg] = useState<AuthConfig | null>(null);
  useEffect(() => {
    api<AuthConfig>("/api/auth/config", { noAuthRedirect: true })
      .then(setCfg)
      .catch(() => setCfg({ mode: "local", demo_enabled: true, clerk_publishable_key: null }));
  }, []);
  return cfg;
}
