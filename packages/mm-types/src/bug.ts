/** Thrown for a broken invariant or a misuse of an API: the kernel's BUG_ON. Never used for user errors. */
export class KernelBug extends Error {
  override readonly name = "KernelBug";
}

/** Throws a KernelBug with `message`. Linux: BUG(), with the message a developer would want to read. */
export function bug(message: string): never {
  throw new KernelBug(message);
}
