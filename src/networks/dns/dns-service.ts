import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { readResolvConf } from '../resolv-conf.js';
import { buildReply, formErr, parseQuery, ptrAddress, RCODE_NOERROR, RCODE_NXDOMAIN, RCODE_SERVFAIL, TYPE_A, TYPE_AAAA, TYPE_PTR, type Answer } from './wire.js';

/** What the network service knows: names visible to the container at `sourceIp` on a network. */
export interface NameSource {
  lookup(networkId: string, sourceIp: string, name: string): string[] | undefined;
  reverse(networkId: string, sourceIp: string, ip: string): string | undefined;
  /** Forwarding targets for this asker: undefined = the host's resolvers, [] = do not forward. */
  upstreams?(networkId: string, sourceIp: string): string[] | undefined;
}

interface Listener {
  udp: UdpSocket;
  tcp: Server;
  conns: Set<Socket>;
}

const TTL = 600;
const FORWARD_TIMEOUT_MS = 2000;

/**
 * The embedded DNS: one UDP+TCP listener on port 53 of each user network's gateway address,
 * in the daemon's own namespace. Containers' resolv.conf says 127.0.0.11, as dockerd's, and a
 * DNAT inside each container namespace sends that to the gateway listener (Node cannot open a
 * socket inside another namespace, which is how dockerd serves 127.0.0.11 directly). The asker
 * is known by its source address. Names Wharf knows are answered from the network service;
 * everything else is relayed to the container's --dns servers or the host's resolvers.
 */
export class DnsService {
  private readonly listeners = new Map<string, Listener>();

  constructor(private readonly opts: { resolvConfPath: string; names: NameSource; port?: number; onError?: (msg: string) => void }) {}

  async serve(networkId: string, address: string): Promise<void> {
    if (this.listeners.has(networkId)) return;
    const port = this.opts.port ?? 53;
    const udp = createSocket({ type: 'udp4', reuseAddr: true });
    udp.on('message', (msg, rinfo) => {
      void this.answer(networkId, rinfo.address, msg).then((reply) => {
        if (reply) udp.send(reply, rinfo.port, rinfo.address);
      });
    });
    udp.on('error', (err) => this.opts.onError?.(`dns udp ${address}: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, address, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    const conns = new Set<Socket>();
    const tcp = createServer((sock) => this.serveTcp(networkId, sock, conns));
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, address, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      udp.close();
      throw err;
    }
    this.listeners.set(networkId, { udp, tcp, conns });
  }

  async stop(networkId: string): Promise<void> {
    const l = this.listeners.get(networkId);
    if (!l) return;
    this.listeners.delete(networkId);
    for (const c of l.conns) c.destroy();
    await Promise.all([new Promise<void>((r) => l.udp.close(() => r())), new Promise<void>((r) => l.tcp.close(() => r()))]);
  }

  async close(): Promise<void> {
    await Promise.all([...this.listeners.keys()].map((id) => this.stop(id)));
  }

  private serveTcp(networkId: string, sock: Socket, conns: Set<Socket>): void {
    conns.add(sock);
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on('close', () => conns.delete(sock));
    sock.on('error', () => {});
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        void this.answer(networkId, sock.remoteAddress?.replace(/^::ffff:/, '') ?? '', msg).then((reply) => {
          if (!reply || sock.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length);
          sock.write(Buffer.concat([len, reply]));
        });
      }
    });
  }

  /** One query in, one reply out (undefined: drop it, as for garbage that is not even a header). */
  async answer(networkId: string, sourceIp: string, msg: Buffer): Promise<Buffer | undefined> {
    let q;
    try {
      q = parseQuery(msg);
    } catch {
      return formErr(msg);
    }
    const { name, type } = q.question;
    if (type === TYPE_PTR) {
      const ip = ptrAddress(name);
      const target = ip ? this.opts.names.reverse(networkId, sourceIp, ip) : undefined;
      if (target) return buildReply(msg, q, RCODE_NOERROR, [{ type: TYPE_PTR, target, ttl: TTL }]);
    } else {
      const ips = this.opts.names.lookup(networkId, sourceIp, name);
      if (ips?.length) {
        const answers: Answer[] = type === TYPE_A ? ips.map((ip) => ({ type: TYPE_A, ip, ttl: TTL })) : [];
        // A name Wharf owns has no other records: AAAA and the rest get an empty NOERROR, not a forward.
        return buildReply(msg, q, RCODE_NOERROR, type === TYPE_A || type === TYPE_AAAA ? answers : []);
      }
    }
    return (await this.forward(msg, this.opts.names.upstreams?.(networkId, sourceIp))) ?? buildReply(msg, q, name.includes('.') ? RCODE_SERVFAIL : RCODE_NXDOMAIN, []);
  }

  /** Relays a query to the host's resolvers in turn; undefined when none answers. */
  private async forward(msg: Buffer, servers: string[] | undefined): Promise<Buffer | undefined> {
    const nameservers = servers ?? (await readResolvConf(this.opts.resolvConfPath)).nameservers;
    for (const server of nameservers.filter((s) => /^\d+\.\d+\.\d+\.\d+$/.test(s))) {
      const reply = await udpExchange(server, 53, msg).catch(() => undefined);
      if (reply) return reply;
    }
    return undefined;
  }
}

function udpExchange(host: string, port: number, msg: Buffer): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const done = (v: Buffer | undefined) => {
      clearTimeout(timer);
      s.close();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), FORWARD_TIMEOUT_MS);
    s.on('error', () => done(undefined));
    s.on('message', (reply) => {
      if (reply.length >= 2 && reply.readUInt16BE(0) === msg.readUInt16BE(0)) done(reply);
    });
    s.send(msg, port, host);
  });
}
