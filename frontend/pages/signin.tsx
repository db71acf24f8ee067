import dynamic from "next/dynamic";
import { AuthScreen } from "@/components/AuthScreen";
import { clerkEnabled } from "@/lib/token";
import type { AlexPage } from "./_app";

const ClerkSignIn = clerkEnabled
  ? dynamic(() => import("@/components/ClerkShell").then((m) => m.ClerkSignIn), { ssr: false })
  : null;

const SignInPage: AlexPage = () => (
  <AuthScreen mode="signin" title="Sign in">
    {ClerkSignIn ? (
      <div className="mt-6">
        <ClerkSignIn />
      </div>
    ) : undefined}
  </AuthScreen>
);
SignInPage.publicPage = true;
export default SignInPage;
