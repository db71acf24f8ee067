import {
  createContext,
  useCallback,
  useContext,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from "react";

type Tone = "success" | "error" | "info";
interface Toast {
  id: number;
  tone: Tone;
  message: string;
}
interface ToastApi {
  success: (m: string) => void;
  error: (m: string | unknown) => void;
  info: (m: string) => void;
}

const Ctx = createContext<ToastApi | null>(null);

export function useToast(): ToastApi {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error("useToast outside ToastProvider");
  return ctx;
}

function messageOf(m: unknown): string {
  if (typeof m === "string") return m;
  if (m instanceof Error) return m.message;
  return "Something went wrong";
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const push = useCallback((tone: Tone, m: unknown) => {
    const id = next.current++;
    setToasts((t) => [...t.slice(-3), { id, tone, message: messageOf(m) }]);
    window.setTimeout(
      () => setToasts((t) => t.filter((x) => x.id !== id)),
      tone === "error" ? 7000 : 3000,
    );
  }, []);
  const api = useMemo<ToastApi>(
    () => ({
      success: (m) => push("success", m),
      error: (m) => push("error", m),
      info: (m) => push("info", m),
    }),
    [push],
  );
  const tones: Record<Tone, string> = {
    success: "border-l-good",
    error: "border-l-bad",
    info: "border-l-brand",
  };
  const icons: Record<Tone, string> = { success: "✓", error: "!", info: "i" };
  return (
    <Ctx.Provider value={api}>
      {children}
      <div
        aria-live="polite"
        className="pointer-events-none fixed inset-x-0 bottom-4 z-[60] flex flex-col items-center gap-2 px-4 sm:items-end sm:right-4 sm:left-auto print:hidden"
      >
        {toasts.map((t) => (
          <div
            key={t.id}
            role={t.tone === "error" ? "alert" : "status"}
            data-toast={t.tone}
            className={`animate-slide-in pointer-events-auto flex w-full max-w-sm items-start gap-3 rounded-xl border border-slate-200 border-l-4 bg-white px-4 py-3 text-sm text-ink shadow-xl ${tones[t.tone]}`}
          >
            <span
              className={`mt-0.5 grid h-5 w-5 shrink-0 place-items-center rounded-full text-xs font-bold text-white ${t.tone === "error" ? "bg-bad" : t.tone === "success" ? "bg-good" : "bg-brand"}`}
            >
              {icons[t.tone]}
            </span>
            <span className="flex-1">{t.message}</span>
            <button
              onClick={() => setToasts((x) => x.filter((y) => y.id !== t.id))}
              aria-label="Dismiss"
              className="text-slate-400 hover:text-ink"
            >
              ✕
            </button>
          </div>
        ))}
      </div>
    </Ctx.Provider>
  );
}
