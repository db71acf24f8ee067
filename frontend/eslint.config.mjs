// ESLint: Next.js's own rule set (React, hooks incl. the React Compiler checks, Next, a11y,
// imports) plus typescript-eslint; Prettier owns the layout, so its conflicting rules are off.
import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";
import prettier from "eslint-config-prettier/flat";

export default defineConfig([
  ...nextVitals,
  ...nextTypescript,
  {
    // Type-aware rules for the mistakes the compiler lets through: a promise nobody awaits
    // loses its rejection. An async JSX handler is fine (each catches its own errors).
    files: ["**/*.{ts,tsx}"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": [
        "error",
        { checksVoidReturn: { attributes: false } },
      ],
      "@typescript-eslint/await-thenable": "error",
    },
  },
  prettier,
  // Generated from openapi.json by `npm run gen:types`.
  globalIgnores([".next/**", "out/**", "next-env.d.ts", "lib/api-types.ts"]),
]);
