// Inside the repo, tests read sibling packages' src/ (the "@mmsim/source" export condition),
// so `pnpm test` needs no build; consumers outside get dist/ through the default conditions.
import { defineConfig } from "vitest/config";

const conditions = ["@mmsim/source", "module", "node", "import", "default"];

export function packageConfig(overrides = {}) {
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ["node"] } },
    test: {
      include: ["test/**/*.test.ts"],
      // property and differential tests on a loaded 2-core CI machine: a guard, not a speed check
      testTimeout: 60_000,
      ...overrides,
    },
  });
}
