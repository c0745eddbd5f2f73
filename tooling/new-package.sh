#!/usr/bin/env bash
# Scaffolds packages/<name> with the house layout: package.json, tsconfigs, eslint and vitest configs,
# README.md, src/index.ts, test/, bench/. Usage: tooling/new-package.sh <name> "<description>"
set -euo pipefail
name=$1; desc=$2
dir=packages/$name
mkdir -p "$dir/src" "$dir/test" "$dir/bench"
cat > "$dir/package.json" <<JSON
{
  "name": "@mmsim/$name",
  "version": "0.1.0",
  "description": "$desc",
  "license": "MIT",
  "type": "module",
  "sideEffects": false,
  "exports": {
    ".": {
      "@mmsim/source": "./src/index.ts",
      "types": "./dist/index.d.ts",
      "default": "./dist/index.js"
    }
  },
  "types": "./dist/index.d.ts",
  "files": ["dist", "src"],
  "scripts": {
    "build": "tsc -p tsconfig.build.json",
    "typecheck": "tsc --noEmit",
    "lint": "eslint .",
    "test": "vitest run",
    "publint": "publint"
  },
  "devDependencies": {
    "@mmsim/eslint-config": "workspace:*",
    "@mmsim/tsconfig": "workspace:*",
    "@mmsim/vitest-config": "workspace:*",
    "@types/node": "catalog:",
    "eslint": "catalog:",
    "fast-check": "catalog:",
    "publint": "catalog:",
    "typescript": "catalog:",
    "vitest": "catalog:"
  }
}
JSON
cat > "$dir/tsconfig.json" <<'JSON'
{
  "extends": "@mmsim/tsconfig/base.json",
  "include": ["src", "test", "bench", "*.ts"]
}
JSON
cat > "$dir/tsconfig.build.json" <<'JSON'
{
  "extends": "./tsconfig.json",
  "compilerOptions": {
    "noEmit": false,
    "rootDir": "src",
    "outDir": "dist",
    "customConditions": []
  },
  "include": ["src"]
}
JSON
echo 'export { default } from "@mmsim/eslint-config";' > "$dir/eslint.config.js"
cat > "$dir/vitest.config.ts" <<'TS'
import { packageConfig } from "@mmsim/vitest-config";

export default packageConfig();
TS
