import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { DnsService } from './dns-service.js';
import { encodeName, parseQuery, RCODE_NOERROR, RCODE_FORMERR, TYPE_A, TYPE_PTR } from './wire.js';

function query(id: number, name: string, type: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2); // RD
  h.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([h, encodeName(name), tail]);
}

/** Reads the A addresses (and PTR targets' raw length) of a reply, enough to check answers. */
function answers(reply: Buffer): { rcode: number; id: number; ips: string[]; count: number } {
  const q = parseQuery(reply);
  const count = reply.readUInt16BE(6);
  const ips: string[] = [];
  let pos = q.question.end;
  for (let i = 0; i < count; i++) {
    pos += 2; // compressed name pointer
    const type = reply.readUInt16BE(pos);
    const len = reply.readUInt16BE(pos + 8);
    if (type === TYPE_A) ips.push([...reply.subarray(pos + 10, pos + 14)].join('.'));
    pos += 10 + len;
  }
  return { rcode: reply.readUInt16BE(2) & 0xf, id: q.id, ips, count };
}

test('answers A and PTR over UDP and TCP, FORMERR for garbage, names are case-insensitive', async () => {
  const port = randomInt(20000, 30000);
  const dns = new DnsService({
    resolvConfPath: '/nonexistent',
    port,
    names: {
      lookup: (_n, _s, name) => (name === 'web' ? ['10.1.2.3', '10.1.2.4'] : undefined),
      reverse: (_n, _s, ip) => (ip === '10.1.2.3' ? 'web.net' : undefined),
    },
  });
  await dns.serve('net', '127.0.0.1');
  try {
    const udp = createSocket('udp4');
    const ask = (msg: Buffer) => new Promise<Buffer>((resolve) => {
      udp.once('message', (m) => resolve(m));
      udp.send(msg, port, '127.0.0.1');
    });
    const a = answers(await ask(query(7, 'WEB', TYPE_A)));
    assert.deepEqual(a, { rcode: RCODE_NOERROR, id: 7, ips: ['10.1.2.3', '10.1.2.4'], count: 2 });
    const ptr = answers(await ask(query(8, '3.2.1.10.in-addr.arpa', TYPE_PTR)));
    assert.equal(ptr.count, 1);
    const bad = await ask(Buffer.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 200]));
    assert.equal(bad.readUInt16BE(2) & 0xf, RCODE_FORMERR);
    udp.close();

    const sock = connect(port, '127.0.0.1');
    const msg = query(9, 'web', TYPE_A);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(msg.length);
    sock.write(Buffer.concat([len, msg]));
    const reply = await new Promise<Buffer>((resolve) => {
      let buf = Buffer.alloc(0);
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) resolve(buf.subarray(2));
      });
    });
    sock.destroy();
    assert.deepEqual(answers(reply).ips, ['10.1.2.3', '10.1.2.4']);
  } finally {
    await dns.close();
  }
});
