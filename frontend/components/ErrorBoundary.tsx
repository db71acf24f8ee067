import { Component, type ErrorInfo, type ReactNode } from "react";

interface State {
  error: Error | null;
}

export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo): void {
    // Visible in the browser console for support; nothing is sent anywhere.
    console.warn("Alex UI error", error, info.componentStack);
  }

  componentDidUpdate(prev: { resetKey?: string }): void {
    if (prev.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div
        role="alert"
        className="mx-auto my-16 max-w-lg rounded-2xl border border-red-200 bg-white p-8 text-center shadow-lg"
      >
        <div className="mx-auto mb-4 grid h-12 w-12 place-items-center rounded-full bg-red-50 text-2xl text-bad">
          !
        </div>
        <h2 className="text-lg font-bold text-ink">This page hit a problem</h2>
        <p className="mt-2 text-sm text-slate-600">{this.state.error.message}</p>
        <div className="mt-6 flex justify-center gap-2">
          <button
            className="rounded-lg bg-brand px-4 py-2 text-sm font-semibold text-white"
            onClick={() => this.setState({ error: null })}
          >
            Try again
          </button>
          {/* A full page load on purpose: client-side navigation would keep this boundary's error. */}
          {/* eslint-disable-next-line @next/next/no-html-link-for-pages */}
          <a
            className="rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold text-ink"
            href="/"
          >
            Go to dashboard
          </a>
        </div>
      </div>
    );
  }
}
