import "@/styles/globals.css";
import type { AppProps } from "next/app";
import type { NextPage } from "next";
import dynamic from "next/dynamic";
import Head from "next/head";
import { useRouter } from "next/router";
import type { ReactNode } from "react";
import { ErrorBoundary } from "@/components/ErrorBoundary";
import { ToastProvider } from "@/components/Toast";
import { PageSkeleton } from "@/components/ui";
import { AuthProvider, RequireAuth } from "@/lib/auth";
import { clerkEnabled } from "@/lib/token";

export type AlexPage = NextPage & { publicPage?: boolean };

const ClerkShell = clerkEnabled
  ? dynamic(() => import("@/components/ClerkShell"), { ssr: false })
  : null;

function Shell({ children }: { children: ReactNode }) {
  return ClerkShell ? <ClerkShell>{children}</ClerkShell> : <>{children}</>;
}

export default function App({ Component, pageProps }: AppProps & { Component: AlexPage }) {
  const router = useRouter();
  const page = <Component {...pageProps} />;
  return (
    <>
      <Head>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Alex · AI financial planner</title>
      </Head>
      <ToastProvider>
        <AuthProvider>
          <Shell>
            <ErrorBoundary resetKey={router.asPath}>
              {Component.publicPage ? (
                page
              ) : (
                <RequireAuth
                  fallback={
                    <div className="mx-auto max-w-7xl px-6 py-10">
                      <PageSkeleton />
                    </div>
                  }
                >
                  {page}
                </RequireAuth>
              )}
            </ErrorBoundary>
          </Shell>
        </AuthProvider>
      </ToastProvider>
    </>
  );
}
