import { Head, Html, Main, NextScript } from "next/document";

export default function Document() {
  return (
    <Html lang="en">
      <Head>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <meta name="theme-color" content="#062147" />
        <meta
          name="description"
          content="Alex: your AI financial planner. Accounts, look-through allocation, a team of AI agents and a Monte Carlo retirement projection."
        />
      </Head>
      <body>
        <Main />
        <NextScript />
      </body>
    </Html>
  );
}
