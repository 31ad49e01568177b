/**
 * Addresses and CIDR ranges, IPv4 and IPv6 (IPv4-mapped IPv6 read as IPv4), for proxy trust:
 * TRUSTED_PROXIES is parsed here (lib/config.ts) and matched here (lib/http/proxy.ts).
 */
import { isIP } from "node:net";

export interface Range {
  v6: boolean;
  bits: bigint;
  prefix: number;
}

function parseRange(entry: string): Range | null {
  const [addr, len] = entry.split("/");
  const a = toBits(addr ?? "");
  if (!a) return null;
  const max = a.v6 ? 128 : 32;
  const prefix = len === undefined ? max : Number(len);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return null;
  return { v6: a.v6, bits: a.bits, prefix };
}

function toBits(address: string): { v6: boolean; bits: bigint } | null {
  let a = address.trim();
  if (a.startsWith("[") && a.endsWith("]")) a = a.slice(1, -1);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a); // IPv4 seen through an IPv6 socket
  if (mapped) a = mapped[1]!;
  const kind = isIP(a);
  if (kind === 4) return { v6: false, bits: a.split(".").reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n) };
  if (kind !== 6) return null;
  const [head, tail] = a.includes("::") ? a.split("::") : [a, undefined];
  const parts = (s: string | undefined) => (s ? s.split(":") : []);
  let groups = parts(head);
  let rest = parts(tail);
  const expand = (g: string[]) => g.flatMap((x) => (x.includes(".") ? v4Groups(x) : [x]));
  groups = expand(groups);
  rest = expand(rest);
  const all = tail === undefined ? groups : [...groups, ...Array(8 - groups.length - rest.length).fill("0"), ...rest];
  if (all.length !== 8) return null;
  return { v6: true, bits: all.reduce((n, g) => (n << 16n) | BigInt(parseInt(g || "0", 16)), 0n) };
}

function v4Groups(v4: string): string[] {
  const [a, b, c, d] = v4.split(".").map(Number) as [number, number, number, number];
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}

export function inRange(address: string, r: Range): boolean {
  const a = toBits(address);
  if (!a || a.v6 !== r.v6) return false;
  const width = BigInt(r.v6 ? 128 : 32);
  const shift = width - BigInt(r.prefix);
  return a.bits >> shift === r.bits >> shift;
}

/** TRUSTED_PROXIES' entries (addresses, CIDR ranges, `loopback`) as ranges, or the first entry that is none of them. */
export function parseProxyList(raw: string): Range[] | { bad: string } {
  const ranges: Range[] = [];
  for (const entry of raw.split(",").map((e) => e.trim()).filter(Boolean)) {
    if (entry === "loopback") {
      ranges.push(parseRange("127.0.0.0/8")!, parseRange("::1/128")!);
      continue;
    }
    const r = parseRange(entry);
    if (!r) return { bad: entry };
    ranges.push(r);
  }
  return ranges;
}
