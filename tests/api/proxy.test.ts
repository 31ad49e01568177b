/**
 * Proxy trust (lib/http/proxy.ts) and the peer stamp (lib/http/peer-stamp.ts): which address
 * a request is from, and which host and scheme it asked for, with and without TRUSTED_PROXIES.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

import { afterEach, describe, expect, it } from "vitest";

import { installPeerStamp } from "../../lib/http/peer-stamp";
import { clientAddress, forwardedByUnknownProxy, isTrustedProxy, PEER_HEADER, peerAddress, peerStampValue, requestHost, requestProto, setPeerNonce } from "../../lib/http/proxy";

afterEach(() => {
  delete process.env.TRUSTED_PROXIES;
  delete process.env.SPACETIME_TRUST_PROXY;
});

const stamped = (peer: string, extra: Record<string, string> = {}) => new Headers({ [PEER_HEADER]: peerStampValue(peer), host: "127.0.0.1:3000", ...extra });

describe("TRUSTED_PROXIES", () => {
  it("matches addresses, IPv4 and IPv6 CIDR ranges, IPv4-mapped IPv6 and `loopback`; refuses garbage", () => {
    process.env.TRUSTED_PROXIES = "10.0.0.0/8, 192.0.2.7, 2001:db8::/32";
    expect(isTrustedProxy("10.200.3.4")).toBe(true);
    expect(isTrustedProxy("::ffff:10.1.1.1")).toBe(true);
    expect(isTrustedProxy("11.0.0.1")).toBe(false);
    expect(isTrustedProxy("192.0.2.7")).toBe(true);
    expect(isTrustedProxy("192.0.2.8")).toBe(false);
    expect(isTrustedProxy("2001:db8:1::5")).toBe(true);
    expect(isTrustedProxy("2001:db9::5")).toBe(false);
    expect(isTrustedProxy("not an address")).toBe(false);
    process.env.TRUSTED_PROXIES = "loopback";
    expect(isTrustedProxy("127.0.0.1")).toBe(true);
    expect(isTrustedProxy("127.9.9.9")).toBe(true);
    expect(isTrustedProxy("::1")).toBe(true);
    expect(isTrustedProxy("192.168.1.1")).toBe(false);
    delete process.env.TRUSTED_PROXIES;
    process.env.SPACETIME_TRUST_PROXY = "10.0.0.1";
    expect(isTrustedProxy("10.0.0.1")).toBe(true);
    process.env.SPACETIME_TRUST_PROXY = "10.0.0.0/33";
    expect(() => isTrustedProxy("10.0.0.1")).toThrow(/TRUSTED_PROXIES/);
  });
});

describe("client address, host and scheme", () => {
  setPeerNonce("proxy-test-nonce");

  it("without TRUSTED_PROXIES: the peer, whatever X-Forwarded-* say", () => {
    const h = stamped("198.51.100.1", { "x-forwarded-for": "203.0.113.9", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" });
    expect(clientAddress(h)).toBe("198.51.100.1");
    expect(requestHost(h, "fallback")).toBe("127.0.0.1:3000");
    expect(requestProto(h, "http")).toBe("http");
  });

  it("behind a trusted proxy: the rightmost untrusted X-Forwarded-For entry, and its host and scheme", () => {
    process.env.TRUSTED_PROXIES = "10.0.0.0/8";
    const h = stamped("10.0.0.1", { "x-forwarded-for": "1.2.3.4, 198.51.100.1, 10.0.0.2", "x-forwarded-host": "studio.example", "x-forwarded-proto": "https" });
    expect(clientAddress(h)).toBe("198.51.100.1"); // 10.0.0.2 is a proxy too; 1.2.3.4 was the client's own claim
    expect(requestHost(h, "fallback")).toBe("studio.example");
    expect(requestProto(h, "http")).toBe("https");
    // A client that reaches the server around the proxy is its own peer again.
    const direct = stamped("198.51.100.9", { "x-forwarded-for": "1.2.3.4" });
    expect(clientAddress(direct)).toBe("198.51.100.9");
  });

  it("ignores a peer header a client forged (the nonce is the server's secret)", () => {
    const forged = new Headers({ [PEER_HEADER]: "guess;0;10.0.0.1" });
    expect(peerAddress(forged)).toBeNull();
    expect(clientAddress(forged)).toBe("unknown");
    expect(forwardedByUnknownProxy(stamped("127.0.0.1", {}))).toBe(false);
  });
});

describe("the peer stamp on a real server", () => {
  it("overwrites a client's own stamp with the socket's address, and notes X-Forwarded-* it sent", async () => {
    installPeerStamp(); // replaces the test nonce with a fresh one, as the server does at start
    const server = http.createServer((req, res) => {
      const headers = new Headers(req.headers as Record<string, string>);
      res.end(JSON.stringify({ peer: peerAddress(headers), client: clientAddress(headers), relayed: forwardedByUnknownProxy(headers) }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      const get = (headers: Record<string, string>) => fetch(`http://127.0.0.1:${port}/`, { headers }).then((r) => r.json());
      expect(await get({ [PEER_HEADER]: "x;0;10.9.9.9", "x-forwarded-for": "203.0.113.1" })).toEqual({ peer: "127.0.0.1", client: "127.0.0.1", relayed: true });
      expect(await get({})).toEqual({ peer: "127.0.0.1", client: "127.0.0.1", relayed: false });
    } finally {
      server.close();
      setPeerNonce(null);
    }
  });
});
