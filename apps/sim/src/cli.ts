#!/usr/bin/env node
import { main } from "./main.js";

process.exitCode = main(process.argv.slice(2), {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  errIsTTY: process.stderr.isTTY,
});
