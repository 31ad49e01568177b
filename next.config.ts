import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // Loaded by Node at runtime, never bundled (and never sent to the browser):
  // onnxruntime-node is a native addon, @ffmpeg-installer locates its binary beside its own files.
  serverExternalPackages: ["onnxruntime-node", "@ffmpeg-installer/ffmpeg"],
  poweredByHeader: false,
  // On every response but the embeddable player's. Pages also get a script-nonce CSP from
  // middleware.ts; this one covers API and media responses (nothing there may be framed).
  async headers() {
    return [
      {
        source: "/:path((?!v/[^/]+/embed$).*)",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "Content-Security-Policy", value: "frame-ancestors 'none'; base-uri 'self'; object-src 'none'; form-action 'self'" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
    ];
  },
};

export default nextConfig;
