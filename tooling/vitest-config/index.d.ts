import type { UserConfig } from "vitest/config";
import type { InlineConfig } from "vitest/node";

/** The shared per-package Vitest config; `overrides` are merged into `test`. */
export function packageConfig(overrides?: InlineConfig): UserConfig;
