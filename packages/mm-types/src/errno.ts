/**
 * Linux errno numbers (include/uapi/asm-generic/errno-base.h, errno.h) and the text strace prints after
 * the name: glibc's strerror() message for user-visible numbers, strace's own wording for the
 * kernel-internal restart codes (512-516) that a trace may show on an interrupted call.
 *
 * Syscall results follow the kernel's convention: a non-negative value, or `-errno`.
 */

/** Errno numbers by name. Aliases: EWOULDBLOCK = EAGAIN, EDEADLOCK = EDEADLK, ENOTSUP = EOPNOTSUPP. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  ENOTBLK: 15,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOLCK: 37,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENOMSG: 42,
  EIDRM: 43,
  ECHRNG: 44,
  EL2NSYNC: 45,
  EL3HLT: 46,
  EL3RST: 47,
  ELNRNG: 48,
  EUNATCH: 49,
  ENOCSI: 50,
  EL2HLT: 51,
  EBADE: 52,
  EBADR: 53,
  EXFULL: 54,
  ENOANO: 55,
  EBADRQC: 56,
  EBADSLT: 57,
  EBFONT: 59,
  ENOSTR: 60,
  ENODATA: 61,
  ETIME: 62,
  ENOSR: 63,
  ENONET: 64,
  ENOPKG: 65,
  EREMOTE: 66,
  ENOLINK: 67,
  EADV: 68,
  ESRMNT: 69,
  ECOMM: 70,
  EPROTO: 71,
  EMULTIHOP: 72,
  EDOTDOT: 73,
  EBADMSG: 74,
  EOVERFLOW: 75,
  ENOTUNIQ: 76,
  EBADFD: 77,
  EREMCHG: 78,
  ELIBACC: 79,
  ELIBBAD: 80,
  ELIBSCN: 81,
  ELIBMAX: 82,
  ELIBEXEC: 83,
  EILSEQ: 84,
  ERESTART: 85,
  ESTRPIPE: 86,
  EUSERS: 87,
  ENOTSOCK: 88,
  EDESTADDRREQ: 89,
  EMSGSIZE: 90,
  EPROTOTYPE: 91,
  ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93,
  ESOCKTNOSUPPORT: 94,
  EOPNOTSUPP: 95,
  EPFNOSUPPORT: 96,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ENETRESET: 102,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ESHUTDOWN: 108,
  ETOOMANYREFS: 109,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTDOWN: 112,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
  ESTALE: 116,
  EUCLEAN: 117,
  ENOTNAM: 118,
  ENAVAIL: 119,
  EISNAM: 120,
  EREMOTEIO: 121,
  EDQUOT: 122,
  ENOMEDIUM: 123,
  EMEDIUMTYPE: 124,
  ECANCELED: 125,
  ENOKEY: 126,
  EKEYEXPIRED: 127,
  EKEYREVOKED: 128,
  EKEYREJECTED: 129,
  EOWNERDEAD: 130,
  ENOTRECOVERABLE: 131,
  ERFKILL: 132,
  EHWPOISON: 133,
  ERESTARTSYS: 512,
  ERESTARTNOINTR: 513,
  ERESTARTNOHAND: 514,
  ENOIOCTLCMD: 515,
  ERESTART_RESTARTBLOCK: 516,
} as const;

/** An errno name, e.g. "ENOMEM". */
export type ErrnoName = keyof typeof Errno;

/** EWOULDBLOCK: the same number as EAGAIN. */
export const EWOULDBLOCK = Errno.EAGAIN;
/** EDEADLOCK: the same number as EDEADLK on x86. */
export const EDEADLOCK = Errno.EDEADLK;
/** ENOTSUP: the same number as EOPNOTSUPP. */
export const ENOTSUP = Errno.EOPNOTSUPP;

/** Operation not permitted. */
export const EPERM = 1;
/** No such file or directory. */
export const ENOENT = 2;
/** No such process. */
export const ESRCH = 3;
/** Interrupted system call. */
export const EINTR = 4;
/** Input/output error. */
export const EIO = 5;
/** No such device or address. */
export const ENXIO = 6;
/** Argument list too long. */
export const E2BIG = 7;
/** Exec format error. */
export const ENOEXEC = 8;
/** Bad file descriptor. */
export const EBADF = 9;
/** No child processes. */
export const ECHILD = 10;
/** Resource temporarily unavailable. */
export const EAGAIN = 11;
/** Cannot allocate memory. */
export const ENOMEM = 12;
/** Permission denied. */
export const EACCES = 13;
/** Bad address. */
export const EFAULT = 14;
/** Block device required. */
export const ENOTBLK = 15;
/** Device or resource busy. */
export const EBUSY = 16;
/** File exists. */
export const EEXIST = 17;
/** Invalid cross-device link. */
export const EXDEV = 18;
/** No such device. */
export const ENODEV = 19;
/** Not a directory. */
export const ENOTDIR = 20;
/** Is a directory. */
export const EISDIR = 21;
/** Invalid argument. */
export const EINVAL = 22;
/** Too many open files in system. */
export const ENFILE = 23;
/** Too many open files. */
export const EMFILE = 24;
/** Inappropriate ioctl for device. */
export const ENOTTY = 25;
/** Text file busy. */
export const ETXTBSY = 26;
/** File too large. */
export const EFBIG = 27;
/** No space left on device. */
export const ENOSPC = 28;
/** Illegal seek. */
export const ESPIPE = 29;
/** Read-only file system. */
export const EROFS = 30;
/** Too many links. */
export const EMLINK = 31;
/** Broken pipe. */
export const EPIPE = 32;
/** Numerical argument out of domain. */
export const EDOM = 33;
/** Numerical result out of range. */
export const ERANGE = 34;
/** Resource deadlock avoided. */
export const EDEADLK = 35;
/** File name too long. */
export const ENAMETOOLONG = 36;
/** No locks available. */
export const ENOLCK = 37;
/** Function not implemented. */
export const ENOSYS = 38;
/** Directory not empty. */
export const ENOTEMPTY = 39;
/** Too many levels of symbolic links. */
export const ELOOP = 40;
/** No message of desired type. */
export const ENOMSG = 42;
/** Identifier removed. */
export const EIDRM = 43;
/** Channel number out of range. */
export const ECHRNG = 44;
/** Level 2 not synchronized. */
export const EL2NSYNC = 45;
/** Level 3 halted. */
export const EL3HLT = 46;
/** Level 3 reset. */
export const EL3RST = 47;
/** Link number out of range. */
export const ELNRNG = 48;
/** Protocol driver not attached. */
export const EUNATCH = 49;
/** No CSI structure available. */
export const ENOCSI = 50;
/** Level 2 halted. */
export const EL2HLT = 51;
/** Invalid exchange. */
export const EBADE = 52;
/** Invalid request descriptor. */
export const EBADR = 53;
/** Exchange full. */
export const EXFULL = 54;
/** No anode. */
export const ENOANO = 55;
/** Invalid request code. */
export const EBADRQC = 56;
/** Invalid slot. */
export const EBADSLT = 57;
/** Bad font file format. */
export const EBFONT = 59;
/** Device not a stream. */
export const ENOSTR = 60;
/** No data available. */
export const ENODATA = 61;
/** Timer expired. */
export const ETIME = 62;
/** Out of streams resources. */
export const ENOSR = 63;
/** Machine is not on the network. */
export const ENONET = 64;
/** Package not installed. */
export const ENOPKG = 65;
/** Object is remote. */
export const EREMOTE = 66;
/** Link has been severed. */
export const ENOLINK = 67;
/** Advertise error. */
export const EADV = 68;
/** Srmount error. */
export const ESRMNT = 69;
/** Communication error on send. */
export const ECOMM = 70;
/** Protocol error. */
export const EPROTO = 71;
/** Multihop attempted. */
export const EMULTIHOP = 72;
/** RFS specific error. */
export const EDOTDOT = 73;
/** Bad message. */
export const EBADMSG = 74;
/** Value too large for defined data type. */
export const EOVERFLOW = 75;
/** Name not unique on network. */
export const ENOTUNIQ = 76;
/** File descriptor in bad state. */
export const EBADFD = 77;
/** Remote address changed. */
export const EREMCHG = 78;
/** Can not access a needed shared library. */
export const ELIBACC = 79;
/** Accessing a corrupted shared library. */
export const ELIBBAD = 80;
/** .lib section in a.out corrupted. */
export const ELIBSCN = 81;
/** Attempting to link in too many shared libraries. */
export const ELIBMAX = 82;
/** Cannot exec a shared library directly. */
export const ELIBEXEC = 83;
/** Invalid or incomplete multibyte or wide character. */
export const EILSEQ = 84;
/** Interrupted system call should be restarted. */
export const ERESTART = 85;
/** Streams pipe error. */
export const ESTRPIPE = 86;
/** Too many users. */
export const EUSERS = 87;
/** Socket operation on non-socket. */
export const ENOTSOCK = 88;
/** Destination address required. */
export const EDESTADDRREQ = 89;
/** Message too long. */
export const EMSGSIZE = 90;
/** Protocol wrong type for socket. */
export const EPROTOTYPE = 91;
/** Protocol not available. */
export const ENOPROTOOPT = 92;
/** Protocol not supported. */
export const EPROTONOSUPPORT = 93;
/** Socket type not supported. */
export const ESOCKTNOSUPPORT = 94;
/** Operation not supported. */
export const EOPNOTSUPP = 95;
/** Protocol family not supported. */
export const EPFNOSUPPORT = 96;
/** Address family not supported by protocol. */
export const EAFNOSUPPORT = 97;
/** Address already in use. */
export const EADDRINUSE = 98;
/** Cannot assign requested address. */
export const EADDRNOTAVAIL = 99;
/** Network is down. */
export const ENETDOWN = 100;
/** Network is unreachable. */
export const ENETUNREACH = 101;
/** Network dropped connection on reset. */
export const ENETRESET = 102;
/** Software caused connection abort. */
export const ECONNABORTED = 103;
/** Connection reset by peer. */
export const ECONNRESET = 104;
/** No buffer space available. */
export const ENOBUFS = 105;
/** Transport endpoint is already connected. */
export const EISCONN = 106;
/** Transport endpoint is not connected. */
export const ENOTCONN = 107;
/** Cannot send after transport endpoint shutdown. */
export const ESHUTDOWN = 108;
/** Too many references: cannot splice. */
export const ETOOMANYREFS = 109;
/** Connection timed out. */
export const ETIMEDOUT = 110;
/** Connection refused. */
export const ECONNREFUSED = 111;
/** Host is down. */
export const EHOSTDOWN = 112;
/** No route to host. */
export const EHOSTUNREACH = 113;
/** Operation already in progress. */
export const EALREADY = 114;
/** Operation now in progress. */
export const EINPROGRESS = 115;
/** Stale file handle. */
export const ESTALE = 116;
/** Structure needs cleaning. */
export const EUCLEAN = 117;
/** Not a XENIX named type file. */
export const ENOTNAM = 118;
/** No XENIX semaphores available. */
export const ENAVAIL = 119;
/** Is a named type file. */
export const EISNAM = 120;
/** Remote I/O error. */
export const EREMOTEIO = 121;
/** Disk quota exceeded. */
export const EDQUOT = 122;
/** No medium found. */
export const ENOMEDIUM = 123;
/** Wrong medium type. */
export const EMEDIUMTYPE = 124;
/** Operation canceled. */
export const ECANCELED = 125;
/** Required key not available. */
export const ENOKEY = 126;
/** Key has expired. */
export const EKEYEXPIRED = 127;
/** Key has been revoked. */
export const EKEYREVOKED = 128;
/** Key was rejected by service. */
export const EKEYREJECTED = 129;
/** Owner died. */
export const EOWNERDEAD = 130;
/** State not recoverable. */
export const ENOTRECOVERABLE = 131;
/** Operation not possible due to RF-kill. */
export const ERFKILL = 132;
/** Memory page has hardware error. */
export const EHWPOISON = 133;
/** To be restarted if SA_RESTART is set. */
export const ERESTARTSYS = 512;
/** To be restarted. */
export const ERESTARTNOINTR = 513;
/** To be restarted if no handler. */
export const ERESTARTNOHAND = 514;
/** No ioctl command. */
export const ENOIOCTLCMD = 515;
/** Interrupted by signal. */
export const ERESTART_RESTARTBLOCK = 516;

/** The message strace prints in parentheses after an errno name (glibc strerror text). */
export const ERRNO_MESSAGES: Readonly<Record<number, string>> = {
  1: "Operation not permitted",
  2: "No such file or directory",
  3: "No such process",
  4: "Interrupted system call",
  5: "Input/output error",
  6: "No such device or address",
  7: "Argument list too long",
  8: "Exec format error",
  9: "Bad file descriptor",
  10: "No child processes",
  11: "Resource temporarily unavailable",
  12: "Cannot allocate memory",
  13: "Permission denied",
  14: "Bad address",
  15: "Block device required",
  16: "Device or resource busy",
  17: "File exists",
  18: "Invalid cross-device link",
  19: "No such device",
  20: "Not a directory",
  21: "Is a directory",
  22: "Invalid argument",
  23: "Too many open files in system",
  24: "Too many open files",
  25: "Inappropriate ioctl for device",
  26: "Text file busy",
  27: "File too large",
  28: "No space left on device",
  29: "Illegal seek",
  30: "Read-only file system",
  31: "Too many links",
  32: "Broken pipe",
  33: "Numerical argument out of domain",
  34: "Numerical result out of range",
  35: "Resource deadlock avoided",
  36: "File name too long",
  37: "No locks available",
  38: "Function not implemented",
  39: "Directory not empty",
  40: "Too many levels of symbolic links",
  42: "No message of desired type",
  43: "Identifier removed",
  44: "Channel number out of range",
  45: "Level 2 not synchronized",
  46: "Level 3 halted",
  47: "Level 3 reset",
  48: "Link number out of range",
  49: "Protocol driver not attached",
  50: "No CSI structure available",
  51: "Level 2 halted",
  52: "Invalid exchange",
  53: "Invalid request descriptor",
  54: "Exchange full",
  55: "No anode",
  56: "Invalid request code",
  57: "Invalid slot",
  59: "Bad font file format",
  60: "Device not a stream",
  61: "No data available",
  62: "Timer expired",
  63: "Out of streams resources",
  64: "Machine is not on the network",
  65: "Package not installed",
  66: "Object is remote",
  67: "Link has been severed",
  68: "Advertise error",
  69: "Srmount error",
  70: "Communication error on send",
  71: "Protocol error",
  72: "Multihop attempted",
  73: "RFS specific error",
  74: "Bad message",
  75: "Value too large for defined data type",
  76: "Name not unique on network",
  77: "File descriptor in bad state",
  78: "Remote address changed",
  79: "Can not access a needed shared library",
  80: "Accessing a corrupted shared library",
  81: ".lib section in a.out corrupted",
  82: "Attempting to link in too many shared libraries",
  83: "Cannot exec a shared library directly",
  84: "Invalid or incomplete multibyte or wide character",
  85: "Interrupted system call should be restarted",
  86: "Streams pipe error",
  87: "Too many users",
  88: "Socket operation on non-socket",
  89: "Destination address required",
  90: "Message too long",
  91: "Protocol wrong type for socket",
  92: "Protocol not available",
  93: "Protocol not supported",
  94: "Socket type not supported",
  95: "Operation not supported",
  96: "Protocol family not supported",
  97: "Address family not supported by protocol",
  98: "Address already in use",
  99: "Cannot assign requested address",
  100: "Network is down",
  101: "Network is unreachable",
  102: "Network dropped connection on reset",
  103: "Software caused connection abort",
  104: "Connection reset by peer",
  105: "No buffer space available",
  106: "Transport endpoint is already connected",
  107: "Transport endpoint is not connected",
  108: "Cannot send after transport endpoint shutdown",
  109: "Too many references: cannot splice",
  110: "Connection timed out",
  111: "Connection refused",
  112: "Host is down",
  113: "No route to host",
  114: "Operation already in progress",
  115: "Operation now in progress",
  116: "Stale file handle",
  117: "Structure needs cleaning",
  118: "Not a XENIX named type file",
  119: "No XENIX semaphores available",
  120: "Is a named type file",
  121: "Remote I/O error",
  122: "Disk quota exceeded",
  123: "No medium found",
  124: "Wrong medium type",
  125: "Operation canceled",
  126: "Required key not available",
  127: "Key has expired",
  128: "Key has been revoked",
  129: "Key was rejected by service",
  130: "Owner died",
  131: "State not recoverable",
  132: "Operation not possible due to RF-kill",
  133: "Memory page has hardware error",
  512: "To be restarted if SA_RESTART is set",
  513: "To be restarted",
  514: "To be restarted if no handler",
  515: "No ioctl command",
  516: "Interrupted by signal",
};

const NAMES_BY_NUMBER: ReadonlyMap<number, ErrnoName> = new Map(
  (Object.entries(Errno) as [ErrnoName, number][]).map(([name, num]) => [num, name]),
);

/** The canonical name of an errno number ("ENOMEM" for 12), or undefined for an unknown number. */
export function errnoName(errnum: number): ErrnoName | undefined {
  return NAMES_BY_NUMBER.get(Math.abs(errnum));
}

/** The errno number of a name, aliases included ("EWOULDBLOCK" gives 11), or undefined. */
export function errnoByName(name: string): number | undefined {
  if (name === "EWOULDBLOCK") return EWOULDBLOCK;
  if (name === "EDEADLOCK") return EDEADLOCK;
  if (name === "ENOTSUP") return ENOTSUP;
  return Object.hasOwn(Errno, name) ? Errno[name as ErrnoName] : undefined;
}

/**
 * Formats a failed syscall's result the way strace does: `-1 ENOMEM (Cannot allocate memory)`.
 * Accepts the errno as a positive number or as the kernel's negative return value.
 */
export function formatErrno(errnum: number): string {
  const n = Math.abs(errnum);
  const name = errnoName(n);
  return name === undefined ? `-1 E??? (Unknown error ${n})` : `-1 ${name} (${ERRNO_MESSAGES[n]})`;
}

/** True when a syscall return value is an error (-4095..-1), as the kernel's IS_ERR_VALUE. */
export function isErrorReturn(ret: number): boolean {
  return ret < 0 && ret >= -4095;
}
