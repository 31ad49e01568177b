import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // Loaded by Node at runtime, never bundled (and never sent to the browser):
  // onnxruntime-node is a native addon, @ffmpeg-installer locates its binary beside its own files.
  serverExternalPackages: ["onnxruntime-node", "@ffmpeg-installer/ffmpeg"],
};

export default nextConfig;
