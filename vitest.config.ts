import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // The app's "@/..." imports (tsconfig paths), for tests that call route handlers.
  resolve: { alias: { "@": path.resolve(__dirname) } },
  test: {
    environment: "node",
    include: ["tests/**/*.test.ts"],
    // ffmpeg encodes and ONNX sessions share 2 CPU cores with training runs.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One file at a time: encoders and onnxruntime already use every core.
    fileParallelism: false,
  },
});
