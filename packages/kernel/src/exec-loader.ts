/**
 * What execve maps. The default loader gives a static binary's minimal layout — its text mapped
 * from the file, an empty heap after it, and a 132 KiB stack under TASK_SIZE — which is what a trace
 * replay needs before the program maps its libraries itself. Linux: load_elf_binary() (fs/binfmt_elf.c),
 * greatly reduced: no interpreter, no vdso.
 */
import {
  DEFAULT_MMAP_BASE,
  EACCES,
  MAP_GROWSDOWN,
  MAP_PRIVATE,
  O_RDONLY,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  S_IFREG,
  TASK_SIZE,
  pageAlign,
} from "@mmsim/mm-types";
import type { ExecLayout } from "@mmsim/mm-types";
import type { Kernel } from "./kernel.js";

/** Makes the layout for a program path, or -errno (ENOENT, EACCES, ENOEXEC). */
export type ExecLoader = (kernel: Kernel, path: string) => ExecLayout | number;

/** Where the default loader puts a program's text (the x86-64 non-PIE base). */
export const ELF_TEXT_BASE = 0x400000;
/** The initial stack the default loader maps: 33 pages, as a fresh process's [stack] shows. */
export const INITIAL_STACK_SIZE = 33 * PAGE_SIZE;

/** The default loader: text from the file (at most 1 MiB of it), heap after, stack at the top. */
export const defaultExecLoader: ExecLoader = (kernel, path) => {
  const file = kernel.vfs.open(path, O_RDONLY, 0);
  if (typeof file === "number") return file;
  if (file.inode.type !== S_IFREG) {
    kernel.vfs.release(file);
    return -EACCES;
  }
  const textLen = Math.max(PAGE_SIZE, pageAlign(Math.min(file.inode.size, 1 << 20)));
  const stackTop = TASK_SIZE;
  const layout: ExecLayout = {
    areas: [
      { start: ELF_TEXT_BASE, end: ELF_TEXT_BASE + textLen, prot: PROT_READ | PROT_EXEC, flags: MAP_PRIVATE, pgoff: 0, file: file.asMmapFile(), name: null },
      {
        start: stackTop - INITIAL_STACK_SIZE,
        end: stackTop,
        prot: PROT_READ | PROT_WRITE,
        flags: MAP_PRIVATE | MAP_GROWSDOWN,
        pgoff: 0,
        file: null,
        name: "[stack]",
      },
    ],
    startBrk: ELF_TEXT_BASE + textLen,
    mmapBase: DEFAULT_MMAP_BASE,
  };
  kernel.vfs.release(file);
  return layout;
};
