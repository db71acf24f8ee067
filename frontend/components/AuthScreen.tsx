import Head from "next/head";
import Link from "next/link";
import { useRouter } from "next/router";
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { Disclaimer, Logo } from "@/components/Layout";
import { useToast } from "@/components/Toast";
import { Button, TextField } from "@/components/ui";
import { ApiError } from "@/lib/api";
import { useAuth, useAuthConfig } from "@/lib/auth";

function nextPath(q: unknown): string {
  const n = typeof q === "string" ? q : "/";
  return n.startsWith("/") && !n.startsWith("//") ? n : "/";
}

const FEATURES = [
  {
    t: "Look-through allocation",
    d: "See what your funds really hold — by asset class, region and sector.",
  },
  {
    t: "A team of AI advisors",
    d: "Five specialist agents analyse your portfolio in parallel, live.",
  },
  {
    t: "Retirement Monte Carlo",
    d: "10,000 simulated futures and the income your plan can sustain.",
  },
];

export function AuthScreen({
  mode,
  title,
  children,
}: {
  mode: "signin" | "signup";
  title: string;
  children?: ReactNode;
}) {
  const router = useRouter();
  const auth = useAuth();
  const cfg = useAuthConfig();
  const toast = useToast();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const [busy, setBusy] = useState<"form" | "demo" | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const go = () => router.replace(nextPath(router.query.next));

  // Already signed in (e.g. the back button): nothing to do here.
  const submitted = useRef(false);
  useEffect(() => {
    if (auth.signedIn && !submitted.current) void router.replace(nextPath(router.query.next));
  }, [auth.signedIn, router]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy("form");
    setError(null);
    submitted.current = true;
    try {
      if (mode === "signin") await auth.signIn(email.trim(), password);
      else await auth.signUp(email.trim(), password, name.trim() || "Investor");
      await go();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(null);
    }
  };

  const demo = async () => {
    setBusy("demo");
    submitted.current = true;
    try {
      await auth.demo();
      toast.success("Welcome to the demo portfolio");
      await router.replace("/");
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(null);
    }
  };

  const pwError =
    mode === "signup" && password.length > 0 && password.length < 8
      ? "At least 8 characters"
      : error?.fieldMessage("password");

  return (
    <>
      <Head>
        <title>{`${title} · Alex`}</title>
      </Head>
      <div className="flex min-h-screen flex-col lg:flex-row">
        <aside className="relative overflow-hidden bg-ink px-6 py-10 text-white lg:w-[46%] lg:px-14 lg:py-14">
          <div className="pointer-events-none absolute -right-24 -top-24 h-96 w-96 rounded-full bg-brand/30 blur-3xl" />
          <div className="pointer-events-none absolute -bottom-32 -left-16 h-96 w-96 rounded-full bg-ai/40 blur-3xl" />
          <div className="relative">
            <Logo light />
            <h1 className="mt-10 text-3xl font-extrabold leading-tight tracking-tight sm:text-4xl lg:text-5xl">
              Your retirement plan,
              <br />
              <span className="bg-gradient-to-r from-brand via-sky-300 to-accent bg-clip-text text-transparent">
                reviewed by a team of AI advisors.
              </span>
            </h1>
            <ul className="mt-8 hidden space-y-5 sm:block">
              {FEATURES.map((f, i) => (
                <li key={f.t} className="flex gap-3">
                  <span
                    className="mt-0.5 grid h-7 w-7 shrink-0 place-items-center rounded-lg text-sm font-bold"
                    style={{
                      background: ["#209DD7", "#753991", "#FFB707"][i],
                      color: i === 2 ? "#062147" : "white",
                    }}
                  >
                    {i + 1}
                  </span>
                  <div>
                    <p className="font-semibold">{f.t}</p>
                    <p className="text-sm text-white/65">{f.d}</p>
                  </div>
                </li>
              ))}
            </ul>
          </div>
        </aside>
        <section className="flex flex-1 items-center justify-center bg-[#f4f7fb] px-4 py-10 sm:px-8">
          <div className="w-full max-w-md">
            <div className="rounded-2xl border border-slate-200 bg-white p-6 shadow-xl shadow-ink/5 sm:p-8">
              <h2 className="text-2xl font-extrabold tracking-tight text-ink">{title}</h2>
              {mode === "signin" && router.query.deleted === "1" && (
                <p
                  role="status"
                  data-testid="deleted-notice"
                  className="mt-3 rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-800"
                >
                  Your data was deleted and you were signed out everywhere.
                </p>
              )}
              <p className="mt-1 text-sm text-slate-600">
                {mode === "signin" ? (
                  <>
                    New to Alex?{" "}
                    <Link className="font-semibold text-brand-600 hover:underline" href="/signup/">
                      Create an account
                    </Link>
                  </>
                ) : (
                  <>
                    Already have an account?{" "}
                    <Link className="font-semibold text-brand-600 hover:underline" href="/signin/">
                      Sign in
                    </Link>
                  </>
                )}
              </p>
              {children ?? (
                <form onSubmit={submit} className="mt-6 space-y-4" noValidate aria-label={title}>
                  {mode === "signup" && (
                    <TextField
                      label="Your name"
                      name="display_name"
                      autoComplete="name"
                      value={name}
                      onChange={(e) => setName(e.target.value)}
                      placeholder="Jordan Lee"
                      error={error?.fieldMessage("display_name")}
                    />
                  )}
                  <TextField
                    label="Email"
                    name="email"
                    type="email"
                    autoComplete="email"
                    required
                    value={email}
                    onChange={(e) => setEmail(e.target.value)}
                    placeholder="you@example.com"
                    error={error?.fieldMessage("email")}
                  />
                  <TextField
                    label="Password"
                    name="password"
                    type="password"
                    required
                    autoComplete={mode === "signin" ? "current-password" : "new-password"}
                    value={password}
                    onChange={(e) => setPassword(e.target.value)}
                    error={pwError}
                    hint={mode === "signup" ? "At least 8 characters" : undefined}
                  />
                  {error && !error.fields.length && (
                    <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-bad">
                      {error.message}
                    </p>
                  )}
                  <Button
                    type="submit"
                    className="w-full"
                    size="lg"
                    busy={busy === "form"}
                    disabled={!!busy}
                  >
                    {mode === "signin" ? "Sign in" : "Create account"}
                  </Button>
                </form>
              )}
              {(cfg?.demo_enabled ?? true) && auth.mode === "local" && (
                <>
                  <div className="my-6 flex items-center gap-3 text-xs font-semibold uppercase tracking-wider text-slate-400">
                    <span className="h-px flex-1 bg-slate-200" />
                    or
                    <span className="h-px flex-1 bg-slate-200" />
                  </div>
                  <Button
                    variant="ai"
                    size="lg"
                    className="w-full"
                    onClick={demo}
                    busy={busy === "demo"}
                    disabled={!!busy}
                  >
                    <span aria-hidden>✦</span> Try the demo
                  </Button>
                  <p className="mt-2 text-center text-xs text-slate-500">
                    A sample investor with a 401(k), a Roth IRA and a taxable account.
                  </p>
                </>
              )}
            </div>
          </div>
        </section>
      </div>
      <Disclaimer />
    </>
  );
}

export { nextPath };
