/**
 * etcd's KV service (Range and Txn) over gRPC with the lean codec in etcd-proto.ts. The
 * store's reads and writes go through here; watches and compaction stay on the etcd3
 * client, whose per-message cost does not matter there.
 */
import { Client, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { decodeRange, decodeTxn, encodeRange, encodeTxn, type RangeRequest, type RangeResponse, type TxnRequest, type TxnResponse } from './etcd-proto.js';

const RANGE = '/etcdserverpb.KV/Range';
const TXN = '/etcdserverpb.KV/Txn';

export class EtcdKvClient {
  private readonly clients: Client[];
  /** The endpoint in use; moves on when one becomes unavailable. */
  private current = 0;

  /** `hosts`: "http://127.0.0.1:2379" style URLs (https uses TLS with the system roots). */
  constructor(hosts: string[]) {
    this.clients = hosts.map((h) => {
      const u = new URL(h);
      const creds = u.protocol === 'https:' ? credentials.createSsl() : credentials.createInsecure();
      // Pages of large objects exceed gRPC's default 4 MiB receive limit; etcd bounds requests itself.
      return new Client(u.host, creds, { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });
    });
    if (!this.clients.length) throw new Error('no etcd endpoint given');
  }

  range(req: RangeRequest): Promise<RangeResponse> {
    // Reads are safe to repeat on another endpoint.
    return this.call(RANGE, encodeRange(req), decodeRange, true);
  }

  txn(req: TxnRequest): Promise<TxnResponse> {
    // A write whose fate is unknown must not be repeated blindly (a create would then fail as "exists").
    return this.call(TXN, encodeTxn(req), decodeTxn, false);
  }

  private async call<T>(method: string, body: Buffer, decode: (b: Buffer) => T, retry: boolean): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const idx = this.current;
      try {
        return await unary(this.clients[idx], method, body, decode);
      } catch (err) {
        if ((err as ServiceError).code !== status.UNAVAILABLE || this.clients.length === 1) throw err;
        if (this.current === idx) this.current = (idx + 1) % this.clients.length;
        if (!retry || attempt + 1 >= this.clients.length) throw err;
      }
    }
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}

function unary<T>(client: Client, method: string, body: Buffer, decode: (b: Buffer) => T): Promise<T> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(method, (b: Buffer) => b, decode, body, (err, res) => (err ? reject(err) : resolve(res as T)));
  });
}
