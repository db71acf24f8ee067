import Head from "next/head";
import Link from "next/link";
import { Disclaimer, Logo } from "@/components/Layout";
import type { AlexPage } from "./_app";

const NotFound: AlexPage = () => (
  <>
    <Head>
      <title>Not found · Alex</title>
    </Head>
    <div className="flex min-h-[70vh] flex-col items-center justify-center px-6 text-center">
      <Logo />
      <p className="mt-8 text-6xl font-extrabold text-brand">404</p>
      <h1 className="mt-2 text-xl font-bold text-ink">This page does not exist</h1>
      <Link
        href="/"
        className="mt-6 rounded-lg bg-brand px-4 py-2 text-sm font-semibold text-white"
      >
        Back to the dashboard
      </Link>
    </div>
    <Disclaimer />
  </>
);
NotFound.publicPage = true;
export default NotFound;
