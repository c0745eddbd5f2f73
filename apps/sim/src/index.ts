/** @mmsim/sim: the simulator assembled. The command line is `mmsim`; `main` runs it in-process. */
export { main } from "./main.js";
export type { Output } from "./main.js";
export { buddyDemo, freeListTable } from "./demo/buddy-demo.js";
export { mmuDemo } from "./demo/mmu-demo.js";
