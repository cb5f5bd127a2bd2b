/**
 * The AutoMTLS certificate go-plugin's client expects (hashicorp/go-plugin mtls.go): a fresh self-signed
 * ECDSA certificate that is its own CA, for DNS name `localhost` (the name Terraform dials and verifies),
 * valid for server and client authentication. Terraform trusts exactly this certificate, sent as base64
 * DER in the handshake line; Go's verifier wants IsCA with CertSign when a self-signed certificate is
 * its own root, DigitalSignature for the ECDHE handshake, and ExtKeyUsage ServerAuth for a server.
 *
 * The DER is written here with node:crypto rather than an X.509 library: this is one fixed certificate
 * shape, and loading such a library cost more than a hundred milliseconds of every provider start.
 * The test client uses the same function for its client certificate.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';

export interface GeneratedCertificate {
  /** PEM of the certificate. */
  certPem: string;
  /** PEM (PKCS#8) of its private key. */
  keyPem: string;
  /** DER of the certificate. */
  der: Buffer;
}

// DER, just the types this certificate uses.
function tlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.from([tag, length]);
  else if (length < 0x100) header = Buffer.from([tag, 0x81, length]);
  else header = Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
  return Buffer.concat([header, content]);
}
const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 + n, content);
const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
const octets = (content: Buffer): Buffer => tlv(0x04, content);
const bits = (content: Buffer, unusedBits = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]));
const TRUE = Buffer.from([0x01, 0x01, 0xff]);

function integer(value: Buffer): Buffer {
  let bytes = value;
  while (bytes.length > 1 && bytes[0] === 0 && (bytes[1]! & 0x80) === 0) bytes = bytes.subarray(1);
  if ((bytes[0]! & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const out = [first! * 40 + second!];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 4.1.2.5). */
function time(at: Date): Buffer {
  const iso = at.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  return at.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [TRUE] : []), octets(value));
}

export function generateCertificate(now: Date = new Date()): Promise<GeneratedCertificate> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = sequence(
    set(sequence(oid('2.5.4.10'), utf8('Keysmith'))),
    set(sequence(oid('2.5.4.3'), utf8('localhost'))),
  );
  const extensions = sequence(
    // Basic constraints: a CA (its own root).
    extension('2.5.29.19', true, sequence(TRUE)),
    // Key usage: digitalSignature, keyEncipherment, keyAgreement, keyCertSign (bits 0, 2, 4, 5).
    extension('2.5.29.15', true, bits(Buffer.from([0xac]), 2)),
    // Extended key usage: serverAuth, clientAuth.
    extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2'))),
    // Subject alternative name: dNSName localhost.
    extension('2.5.29.17', false, sequence(tlv(0x82, Buffer.from('localhost')))),
  );
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    ECDSA_WITH_SHA256,
    name,
    // go-plugin back-dates by 30 s against clock skew; a plugin process lives minutes, ten years is plenty.
    sequence(time(new Date(now.getTime() - 30_000)), time(new Date(now.getTime() + 10 * 365 * 24 * 3600_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, extensions),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const der = sequence(tbs, ECDSA_WITH_SHA256, bits(signature));
  return Promise.resolve({
    certPem: pem('CERTIFICATE', der),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    der,
  });
}

function pem(label: string, der: Buffer): string {
  const body = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/** The DER of a certificate as go-plugin's handshake line carries it: standard base64 without padding. */
export function handshakeCertificate(der: Buffer): string {
  return der.toString('base64').replace(/=+$/, '');
}

/** The PEM of a certificate received in a handshake line. */
export function certificateFromHandshake(field: string): string {
  return pem('CERTIFICATE', Buffer.from(field, 'base64'));
}
