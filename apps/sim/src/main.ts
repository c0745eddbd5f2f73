/**
 * The `mmsim` command line: parses arguments and runs a command, writing to the given streams.
 * Returns the process exit code; never throws for bad input.
 */
import { parseArgs } from "node:util";
import { demoText } from "./demo/demo.js";
import type { BackendName } from "./world.js";
import { compareCommand, procCommand, replayCommand } from "./replay-cli.js";

/** Where a command writes. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** Whether errors go to a terminal (progress bars are drawn there only). */
  readonly errIsTTY?: boolean;
}

const USAGE = `usage: mmsim <command> [options]

commands:
  demo    [--backend mmu|nommu|both]   show the simulator at work on built-in examples
  replay  <trace> [--backend mmu|nommu] [--initial-maps <file>] [--mmap-base <hex>] [--brk <hex>]
                  [--ram <size>] [--nr-trim-pages <n>] [--check] [--json] [--maps-out <file>]
                                       replay an strace log (strace -f -o FILE) on a simulated kernel
  compare <trace> [the replay options] [--json]
                                       replay on MMU and NOMMU and show what differs
  proc    <trace> <path>... [the replay options]
                                       print /proc files after the replay
  help                                 this text
`;

const BACKENDS = ["mmu", "nommu", "both"] as const;

/** Runs `mmsim demo`. */
function demo(args: string[], io: Output): number {
  let values: { backend?: string };
  try {
    ({ values } = parseArgs({ args, options: { backend: { type: "string", default: "both" } }, strict: true }));
  } catch (e) {
    io.err(`mmsim demo: ${(e as Error).message}\n`);
    return 2;
  }
  if (!BACKENDS.includes(values.backend as (typeof BACKENDS)[number])) {
    io.err(`mmsim demo: --backend must be one of ${BACKENDS.join(", ")}, not "${values.backend}"\n`);
    return 2;
  }
  const backends: BackendName[] = values.backend === "both" ? ["mmu", "nommu"] : [values.backend as BackendName];
  io.out(demoText(backends));
  return 0;
}

/** Runs the command line `argv` (without node and script). */
export function main(argv: readonly string[], io: Output): number {
  const [command, ...rest] = argv;
  switch (command) {
    case "demo":
      return demo(rest, io);
    case "replay":
      return replayCommand(rest, io);
    case "compare":
      return compareCommand(rest, io);
    case "proc":
      return procCommand(rest, io);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    default:
      io.err(`mmsim: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}
