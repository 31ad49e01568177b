// ESLint: Next's own rules (eslint-config-next's core-web-vitals set: Next, React, hooks,
// a11y, imports), with the TypeScript parser it brings; no style rules (formatting is left as
// it is). An eslint-disable comment that disables nothing is an error, so none goes stale.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

import { FlatCompat } from "@eslint/eslintrc";

const compat = new FlatCompat({ baseDirectory: dirname(fileURLToPath(import.meta.url)) });

const config = [
  { ignores: [".next/**", "node_modules/**", "model/**", "models/**", "data/**", "public/**", "out/**", "next-env.d.ts"] },
  ...compat.extends("next/core-web-vitals"),
  { linterOptions: { reportUnusedDisableDirectives: "error" } },
  // vitest fixtures receive a `use` callback (test.extend), which is not React's hook.
  { files: ["tests/**"], rules: { "react-hooks/rules-of-hooks": "off" } },
];

export default config;
