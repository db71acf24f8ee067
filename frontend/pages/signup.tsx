import dynamic from "next/dynamic";
import { AuthScreen } from "@/components/AuthScreen";
import { clerkEnabled } from "@/lib/token";
import type { AlexPage } from "./_app";

const ClerkSignUp = clerkEnabled
  ? dynamic(() => import("@/components/ClerkShell").then((m) => m.ClerkSignUp), { ssr: false })
  : null;

const SignUpPage: AlexPage = () => (
  <AuthScreen mode="signup" title="Create your account">
    {ClerkSignUp ? (
      <div className="mt-6">
        <ClerkSignUp />
      </div>
    ) : undefined}
  </AuthScreen>
);
SignUpPage.publicPage = true;
export default SignUpPage;
