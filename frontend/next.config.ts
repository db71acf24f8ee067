import type { NextConfig } from "next";

// Pure static files: served by the API process at `/` locally, or uploaded to S3/CloudFront.
// trailingSlash makes every page a folder with index.html, which any static file server
// (Starlette StaticFiles(html=True), S3 website, CloudFront) resolves without rewrites.
const config: NextConfig = {
  output: "export",
  trailingSlash: true,
  images: { unoptimized: true },
  reactStrictMode: true,
  poweredByHeader: false,
  // In development (`npm run dev`), forward /api to a locally running `alex serve`.
  ...(process.env.NODE_ENV === "development"
    ? {
        async rewrites() {
          const target = process.env.ALEX_API_URL ?? "http://127.0.0.1:8000";
          return [{ source: "/api/:path*", destination: `${target}/api/:path*` }];
        },
      }
    : {}),
};

export default config;
