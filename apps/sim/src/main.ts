/**
 * The `mmsim` command line: parses arguments and runs a command, writing to the given streams.
 * Returns the process exit code; never throws for bad input.
 */
import { parseArgs } from "node:util";
import { buddyDemo } from "./demo/buddy-demo.js";
import { mmuDemo } from "./demo/mmu-demo.js";

/** Where a command writes. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const USAGE = `usage: mmsim <command> [options]

commands:
  demo [--backend mmu|nommu|both]   show the simulator at work on built-in examples
  help                              this text
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
  io.out(buddyDemo());
  if (values.backend !== "nommu") io.out(`\n${mmuDemo()}`);
  if (values.backend !== "mmu") io.out("\n== The NOMMU backend ==\nNot built yet: vm_region sharing, trimming and the mapping capabilities arrive with the NOMMU issue.\n");
  return 0;
}

/** Runs the command line `argv` (without node and script). */
export function main(argv: readonly string[], io: Output): number {
  const [command, ...rest] = argv;
  switch (command) {
    case "demo":
      return demo(rest, io);
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
