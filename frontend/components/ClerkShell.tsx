// Loaded only when the build has NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY (see pages/_app.tsx).
// Clerk owns the session; its getToken() becomes the bearer token for every API call.
import { ClerkProvider, SignIn, SignUp, useAuth as useClerkAuth } from "@clerk/nextjs";
import { useEffect, type ReactNode } from "react";
import { useAuth } from "@/lib/auth";
import { clerkPublishableKey, setTokenGetter } from "@/lib/token";

function Bridge() {
  const { isLoaded, isSignedIn, getToken, signOut } = useClerkAuth();
  const { setSignedIn, setClerkSignOut } = useAuth();
  useEffect(() => {
    setTokenGetter(() => getToken());
    setClerkSignOut(() => signOut());
    return () => {
      setTokenGetter(null);
      setClerkSignOut(null);
    };
  }, [getToken, signOut, setClerkSignOut]);
  useEffect(() => {
    setSignedIn(isLoaded ? Boolean(isSignedIn) : null);
  }, [isLoaded, isSignedIn, setSignedIn]);
  return null;
}

export default function ClerkShell({ children }: { children: ReactNode }) {
  return (
    <ClerkProvider
      publishableKey={clerkPublishableKey}
      signInUrl="/signin/"
      signUpUrl="/signup/"
      signInFallbackRedirectUrl="/"
      signUpFallbackRedirectUrl="/"
    >
      <Bridge />
      {children}
    </ClerkProvider>
  );
}

export function ClerkSignIn() {
  return <SignIn routing="hash" signUpUrl="/signup/" fallbackRedirectUrl="/" />;
}

export function ClerkSignUp() {
  return <SignUp routing="hash" signInUrl="/signin/" fallbackRedirectUrl="/" />;
}
