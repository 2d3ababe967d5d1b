// Raw koffi bindings over libbpf.so.1 (Debian libbpf1 1.1.x) and the few libc calls they need.
// This is the only file in the project that declares foreign functions. Each binding carries the C
// prototype copied from /usr/include/bpf/{libbpf,bpf,btf}.h in a `C:` comment; bindings.test.ts
// compares every such comment with the installed headers, so a drifted signature fails a test.
//
// Conventions (koffi 3): pointers come back as BigInt (NULL as null) and carry no C type; `void *`
// parameters take a Buffer/TypedArray (passed without copying, so the C side writes into it) or a
// BigInt address. libbpf >= 1.0 returns -errno from int functions and NULL + errno from pointer
// functions. Options structs are passed as Buffers laid out by hand (offsets in OPTS_LAYOUT,
// checked against a compiled C offsetof program in bindings.test.ts).
//
// Deliberately NOT bound:
// - bpf_xdp_attach / bpf_xdp_detach: netlink attachments outlive the process, so a crash would leave
//   the program on the interface. We attach only through bpf_link, which the kernel removes when
//   the last fd closes (process death included).
// - bpf_object__open_file: the collector loads exactly the Buffer the safety verifier checked
//   (bpf_object__open_mem), so there is no window where the file could change between check and load.
// - bpf_map_lookup_and_delete_batch / bpf_map_delete_elem: the collector never deletes entries
//   (first_seen and cumulative counters are the design; the LRU evicts).
// - bpf_obj_pin / bpf_obj_get: nothing is pinned; all state dies with the process.
// - bpf_set_link_xdp_fd / bpf_get_link_xdp_id: removed in libbpf 1.0.
import koffi, { type TypeObject } from "koffi";

/** Byte layouts of the option/info structs we fill by hand (x86_64 / any LP64). */
export const OPTS_LAYOUT = {
  bpf_object_open_opts: {
    size: 80,
    object_name: 8,
    kernel_log_buf: 56,
    kernel_log_size: 64,
    kernel_log_level: 72,
  },
  bpf_test_run_opts: {
    size: 80,
    data_in: 8,
    data_out: 16,
    data_size_in: 24,
    data_size_out: 28,
    ctx_in: 32,
    ctx_out: 40,
    ctx_size_in: 48,
    ctx_size_out: 52,
    retval: 56,
    repeat: 60,
    duration: 64,
    flags: 68,
    cpu: 72,
    batch_size: 76,
  },
  bpf_link_create_opts: { size: 64, flags: 8 },
  bpf_map_batch_opts: { size: 24, elem_flags: 8, flags: 16 },
  bpf_xdp_query_opts: {
    size: 32,
    prog_id: 8,
    drv_prog_id: 12,
    hw_prog_id: 16,
    skb_prog_id: 20,
    attach_mode: 24,
  },
  bpf_prog_info: {
    size: 232,
    type: 0,
    id: 4,
    tag: 8,
    jited_prog_len: 16,
    xlated_prog_len: 20,
    jited_prog_insns: 24,
    xlated_prog_insns: 32,
    load_time: 40,
    created_by_uid: 48,
    nr_map_ids: 52,
    map_ids: 56,
    name: 64,
    ifindex: 80,
    btf_id: 128,
    run_time_ns: 192,
    run_cnt: 200,
    verified_insns: 216,
  },
  bpf_map_info: {
    size: 88,
    type: 0,
    id: 4,
    key_size: 8,
    value_size: 12,
    max_entries: 16,
    map_flags: 20,
    name: 24,
    ifindex: 40,
    btf_id: 64,
  },
} as const;

/** Constants from linux/bpf.h and linux/if_link.h that the wrappers use. */
export const BPF = {
  BPF_ANY: 0,
  BPF_NOEXIST: 1,
  BPF_EXIST: 2,
  BPF_XDP: 37, // enum bpf_attach_type
  BPF_PROG_TYPE_XDP: 6,
  BPF_F_TEST_RUN_ON_CPU: 1,
  XDP_FLAGS_UPDATE_IF_NOEXIST: 1,
  XDP_FLAGS_SKB_MODE: 2,
  XDP_FLAGS_DRV_MODE: 4,
  XDP_FLAGS_HW_MODE: 8,
  XDP_ATTACHED_NONE: 0,
  XDP_ATTACHED_DRV: 1,
  XDP_ATTACHED_SKB: 2,
  XDP_ATTACHED_HW: 3,
  XDP_ATTACHED_MULTI: 4,
  BTF_KIND_VAR: 14,
  BTF_KIND_DATASEC: 15,
  XDP_PASS: 2,
} as const;

// Opaque handles: libbpf owns these; JS only passes the pointers back.
type Ptr = bigint;

// biome-ignore lint/suspicious/noExplicitAny: koffi functions are variadic by nature; typed below.
type Fn = (...args: any[]) => any;

export interface LibbpfBindings {
  bpf_object__open_mem(buf: Buffer, size: number, opts: Buffer | null): Ptr | null;
  bpf_object__load(obj: Ptr): number;
  bpf_object__close(obj: Ptr): void;
  bpf_object__name(obj: Ptr): string;
  bpf_object__btf(obj: Ptr): Ptr | null;
  bpf_object__find_map_by_name(obj: Ptr, name: string): Ptr | null;
  bpf_object__find_program_by_name(obj: Ptr, name: string): Ptr | null;
  bpf_map__fd(map: Ptr): number;
  bpf_map__name(map: Ptr): string;
  bpf_map__type(map: Ptr): number;
  bpf_map__key_size(map: Ptr): number;
  bpf_map__value_size(map: Ptr): number;
  bpf_map__max_entries(map: Ptr): number;
  bpf_map__set_max_entries(map: Ptr, n: number): number;
  bpf_map__set_key_size(map: Ptr, size: number): number;
  bpf_map__initial_value(map: Ptr, psize: Buffer): Ptr | null;
  bpf_map__set_initial_value(map: Ptr, data: Buffer, size: number): number;
  bpf_program__fd(prog: Ptr): number;
  bpf_program__name(prog: Ptr): string;
  bpf_program__attach_xdp(prog: Ptr, ifindex: number): Ptr | null;
  bpf_link__destroy(link: Ptr): number;
  bpf_link__fd(link: Ptr): number;
  bpf_link_create(progFd: number, targetFd: number, attachType: number, opts: Buffer | null): number;
  bpf_map_lookup_elem(fd: number, key: Buffer | Uint8Array, value: Buffer | Uint8Array): number;
  bpf_map_update_elem(
    fd: number,
    key: Buffer | Uint8Array,
    value: Buffer | Uint8Array,
    flags: number,
  ): number;
  bpf_map_get_next_key(fd: number, key: Buffer | Uint8Array | null, next: Buffer | Uint8Array): number;
  bpf_map_lookup_batch(
    fd: number,
    inBatch: Buffer | null,
    outBatch: Buffer,
    keys: Buffer | Uint8Array,
    values: Buffer | Uint8Array,
    count: Uint32Array,
    opts: Buffer | null,
  ): number;
  bpf_prog_test_run_opts(progFd: number, opts: Buffer): number;
  bpf_obj_get_info_by_fd(fd: number, info: Buffer, infoLen: Uint32Array): number;
  bpf_xdp_query(ifindex: number, flags: number, opts: Buffer): number;
  bpf_prog_get_fd_by_id(id: number): number;
  bpf_map_get_fd_by_id(id: number): number;
  libbpf_num_possible_cpus(): number;
  libbpf_set_print(fn: Ptr | null): Ptr | null;
  libbpf_strerror(err: number, buf: Buffer, size: number): number;
  libbpf_version_string(): string;
  btf__find_by_name_kind(btf: Ptr, name: string, kind: number): number;
  btf__type_by_id(btf: Ptr, id: number): Ptr | null;
  btf__name_by_offset(btf: Ptr, offset: number): string | null;
  /** libc */
  close(fd: number): number;
  vsnprintf(buf: Buffer, size: number, fmt: Ptr, ap: Ptr): number;
  sched_getaffinity(pid: number, size: number, mask: Buffer): number;
  sched_setaffinity(pid: number, size: number, mask: Buffer): number;
  mallopt(param: number, value: number): number;
  malloc_trim(pad: number): number;
  _exit(status: number): void;
  socket(domain: number, type: number, protocol: number): number;
  sendto(fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, addrlen: number): number | bigint;
  mallinfo2(): Record<(typeof MALLINFO2_FIELDS)[number], number | bigint>;
  /** libbpf's print callback type, for koffi.register */
  printFnType: TypeObject;
}

let cached: LibbpfBindings | null = null;
let loadError: Error | null = null;

/**
 * Loads libbpf.so.1 on first use (not at import: the reporter and `--help` must work on machines
 * without libbpf). Throws an Error naming the library and the Debian package when it is missing.
 */
export function libbpf(): LibbpfBindings {
  if (cached) return cached;
  if (loadError) throw loadError;
  try {
    cached = bind();
    return cached;
  } catch (err) {
    loadError = new Error(
      `cannot load libbpf.so.1 (${(err as Error).message}); install the Debian package libbpf1 (apt-get install libbpf1)`,
    );
    throw loadError;
  }
}

function bind(): LibbpfBindings {
  const lib = koffi.load("libbpf.so.1");
  const libc = koffi.load("libc.so.6");
  for (const name of ["bpf_object", "bpf_program", "bpf_map", "bpf_link", "btf", "btf_type"]) {
    koffi.opaque(name);
  }
  const f = (proto: string): Fn => lib.func(proto) as Fn;

  // C: typedef int (*libbpf_print_fn_t)(enum libbpf_print_level level, const char *, va_list ap);
  // (fmt is taken as a raw pointer so it can be handed straight to vsnprintf with the va_list)
  const printFnType = koffi.proto("int ibsr_libbpf_print_fn(int level, void *fmt, void *ap)");

  return {
    // C: struct bpf_object *bpf_object__open_mem(const void *obj_buf, size_t obj_buf_sz, const struct bpf_object_open_opts *opts);
    bpf_object__open_mem: f(
      "bpf_object *bpf_object__open_mem(const void *obj_buf, size_t sz, const void *opts)",
    ),
    // C: int bpf_object__load(struct bpf_object *obj);
    bpf_object__load: f("int bpf_object__load(bpf_object *obj)"),
    // C: void bpf_object__close(struct bpf_object *object);
    bpf_object__close: f("void bpf_object__close(bpf_object *obj)"),
    // C: const char *bpf_object__name(const struct bpf_object *obj);
    bpf_object__name: f("const char *bpf_object__name(const bpf_object *obj)"),
    // C: struct btf *bpf_object__btf(const struct bpf_object *obj);
    bpf_object__btf: f("btf *bpf_object__btf(const bpf_object *obj)"),
    // C: struct bpf_map *bpf_object__find_map_by_name(const struct bpf_object *obj, const char *name);
    bpf_object__find_map_by_name: f(
      "bpf_map *bpf_object__find_map_by_name(const bpf_object *obj, const char *name)",
    ),
    // C: struct bpf_program *bpf_object__find_program_by_name(const struct bpf_object *obj, const char *name);
    bpf_object__find_program_by_name: f(
      "bpf_program *bpf_object__find_program_by_name(const bpf_object *obj, const char *name)",
    ),
    // C: int bpf_map__fd(const struct bpf_map *map);
    bpf_map__fd: f("int bpf_map__fd(const bpf_map *map)"),
    // C: const char *bpf_map__name(const struct bpf_map *map);
    bpf_map__name: f("const char *bpf_map__name(const bpf_map *map)"),
    // C: enum bpf_map_type bpf_map__type(const struct bpf_map *map);
    bpf_map__type: f("int bpf_map__type(const bpf_map *map)"),
    // C: __u32 bpf_map__key_size(const struct bpf_map *map);
    bpf_map__key_size: f("uint32_t bpf_map__key_size(const bpf_map *map)"),
    // C: __u32 bpf_map__value_size(const struct bpf_map *map);
    bpf_map__value_size: f("uint32_t bpf_map__value_size(const bpf_map *map)"),
    // C: __u32 bpf_map__max_entries(const struct bpf_map *map);
    bpf_map__max_entries: f("uint32_t bpf_map__max_entries(const bpf_map *map)"),
    // C: int bpf_map__set_max_entries(struct bpf_map *map, __u32 max_entries);
    bpf_map__set_max_entries: f("int bpf_map__set_max_entries(bpf_map *map, uint32_t max_entries)"),
    // C: int bpf_map__set_key_size(struct bpf_map *map, __u32 size);
    bpf_map__set_key_size: f("int bpf_map__set_key_size(bpf_map *map, uint32_t size)"),
    // C: const void *bpf_map__initial_value(struct bpf_map *map, size_t *psize);
    bpf_map__initial_value: f("const void *bpf_map__initial_value(bpf_map *map, void *psize)"),
    // C: int bpf_map__set_initial_value(struct bpf_map *map, const void *data, size_t size);
    bpf_map__set_initial_value: f(
      "int bpf_map__set_initial_value(bpf_map *map, const void *data, size_t size)",
    ),
    // C: int bpf_program__fd(const struct bpf_program *prog);
    bpf_program__fd: f("int bpf_program__fd(const bpf_program *prog)"),
    // C: const char *bpf_program__name(const struct bpf_program *prog);
    bpf_program__name: f("const char *bpf_program__name(const bpf_program *prog)"),
    // C: struct bpf_link * bpf_program__attach_xdp(const struct bpf_program *prog, int ifindex);
    bpf_program__attach_xdp: f("bpf_link *bpf_program__attach_xdp(const bpf_program *prog, int ifindex)"),
    // C: int bpf_link__destroy(struct bpf_link *link);
    bpf_link__destroy: f("int bpf_link__destroy(bpf_link *link)"),
    // C: int bpf_link__fd(const struct bpf_link *link);
    bpf_link__fd: f("int bpf_link__fd(const bpf_link *link)"),
    // C: int bpf_link_create(int prog_fd, int target_fd, enum bpf_attach_type attach_type, const struct bpf_link_create_opts *opts);
    bpf_link_create: f("int bpf_link_create(int prog_fd, int target_fd, int attach_type, const void *opts)"),
    // C: int bpf_map_lookup_elem(int fd, const void *key, void *value);
    bpf_map_lookup_elem: f("int bpf_map_lookup_elem(int fd, const void *key, void *value)"),
    // C: int bpf_map_update_elem(int fd, const void *key, const void *value, __u64 flags);
    bpf_map_update_elem: f(
      "int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags)",
    ),
    // C: int bpf_map_get_next_key(int fd, const void *key, void *next_key);
    bpf_map_get_next_key: f("int bpf_map_get_next_key(int fd, const void *key, void *next_key)"),
    // C: int bpf_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values, __u32 *count, const struct bpf_map_batch_opts *opts);
    bpf_map_lookup_batch: f(
      "int bpf_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values, uint32_t *count, const void *opts)",
    ),
    // C: int bpf_prog_test_run_opts(int prog_fd, struct bpf_test_run_opts *opts);
    bpf_prog_test_run_opts: f("int bpf_prog_test_run_opts(int prog_fd, void *opts)"),
    // C: int bpf_obj_get_info_by_fd(int bpf_fd, void *info, __u32 *info_len);
    bpf_obj_get_info_by_fd: f("int bpf_obj_get_info_by_fd(int bpf_fd, void *info, uint32_t *info_len)"),
    // C: int bpf_xdp_query(int ifindex, int flags, struct bpf_xdp_query_opts *opts);
    bpf_xdp_query: f("int bpf_xdp_query(int ifindex, int flags, void *opts)"),
    // C: int bpf_prog_get_fd_by_id(__u32 id);
    bpf_prog_get_fd_by_id: f("int bpf_prog_get_fd_by_id(uint32_t id)"),
    // C: int bpf_map_get_fd_by_id(__u32 id);
    bpf_map_get_fd_by_id: f("int bpf_map_get_fd_by_id(uint32_t id)"),
    // C: int libbpf_num_possible_cpus(void);
    libbpf_num_possible_cpus: f("int libbpf_num_possible_cpus(void)"),
    // C: libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn);
    libbpf_set_print: f("void *libbpf_set_print(void *fn)"),
    // C: int libbpf_strerror(int err, char *buf, size_t size);
    libbpf_strerror: f("int libbpf_strerror(int err, void *buf, size_t size)"),
    // C: const char *libbpf_version_string(void);
    libbpf_version_string: f("const char *libbpf_version_string(void)"),
    // C: __s32 btf__find_by_name_kind(const struct btf *btf, const char *type_name, __u32 kind);
    btf__find_by_name_kind: f(
      "int32_t btf__find_by_name_kind(const btf *btf, const char *type_name, uint32_t kind)",
    ),
    // C: const struct btf_type *btf__type_by_id(const struct btf *btf, __u32 id);
    btf__type_by_id: f("const void *btf__type_by_id(const btf *btf, uint32_t id)"),
    // C: const char *btf__name_by_offset(const struct btf *btf, __u32 offset);
    btf__name_by_offset: f("const char *btf__name_by_offset(const btf *btf, uint32_t offset)"),
    // libc, not libbpf (not checked against the libbpf headers):
    // libc: int close(int fd);
    close: libc.func("int close(int fd)") as Fn,
    // libc: int vsnprintf(char *str, size_t size, const char *format, va_list ap);
    vsnprintf: libc.func("int vsnprintf(void *str, size_t size, void *format, void *ap)") as Fn,
    // libc: int sched_getaffinity(pid_t pid, size_t cpusetsize, cpu_set_t *mask);
    // (pid 0 = the calling thread; used to pin BPF_PROG_TEST_RUN, whose XDP path rejects BPF_F_TEST_RUN_ON_CPU)
    sched_getaffinity: libc.func("int sched_getaffinity(int pid, size_t size, void *mask)") as Fn,
    // libc: int sched_setaffinity(pid_t pid, size_t cpusetsize, const cpu_set_t *mask);
    sched_setaffinity: libc.func("int sched_setaffinity(int pid, size_t size, const void *mask)") as Fn,
    // libc: int mallopt(int param, int value);
    mallopt: libc.func("int mallopt(int param, int value)") as Fn,
    // libc: int malloc_trim(size_t pad);
    malloc_trim: libc.func("int malloc_trim(size_t pad)") as Fn,
    // libc: void _exit(int status);
    _exit: libc.func("void _exit(int status)") as Fn,
    // libc: int socket(int domain, int type, int protocol);  (sd_notify's datagram socket: Node has no AF_UNIX datagrams)
    socket: libc.func("int socket(int domain, int type, int protocol)") as Fn,
    // libc: ssize_t sendto(int sockfd, const void *buf, size_t len, int flags, const struct sockaddr *dest_addr, socklen_t addrlen);
    sendto: libc.func(
      "intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)",
    ) as Fn,
    // libc: struct mallinfo2 mallinfo2(void);
    mallinfo2: libc.func(
      "mallinfo2",
      koffi.struct("mallinfo2", Object.fromEntries(MALLINFO2_FIELDS.map((f) => [f, "size_t"]))),
      [],
    ) as Fn,
    printFnType,
  };
}

/** struct mallinfo2 (glibc >= 2.33): ten size_t fields, in order. */
export const MALLINFO2_FIELDS = [
  "arena",
  "ordblks",
  "smblks",
  "hblks",
  "hblkhd",
  "usmblks",
  "fsmblks",
  "uordblks",
  "fordblks",
  "keepcost",
] as const;

/** mallopt parameters (glibc malloc.h). */
export const MALLOPT = { M_TRIM_THRESHOLD: -1, M_MMAP_THRESHOLD: -3 } as const;
