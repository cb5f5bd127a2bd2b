/**
 * The AutoMTLS certificate go-plugin's client expects (hashicorp/go-plugin mtls.go): a fresh self-signed
 * ECDSA certificate that is its own CA, for DNS name `localhost` (the name Terraform dials and verifies),
 * valid for server and client authentication. Terraform trusts exactly this certificate, sent as base64
 * DER in the handshake line; Go's verifier wants IsCA with CertSign when a self-signed certificate is
 * its own root, DigitalSignature for the ECDHE handshake, and ExtKeyUsage ServerAuth for the server.
 * The test client uses the same function for its client certificate.
 */
import { webcrypto } from 'node:crypto';

export interface GeneratedCertificate {
  /** PEM of the certificate. */
  certPem: string;
  /** PEM (PKCS#8) of its private key. */
  keyPem: string;
  /** DER of the certificate. */
  der: Buffer;
}

function pem(label: string, der: ArrayBuffer | Buffer): string {
  const body = Buffer.from(der as ArrayBuffer).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

export async function generateCertificate(now: Date = new Date()): Promise<GeneratedCertificate> {
  // @peculiar/x509 needs the reflect-metadata polyfill loaded first; both load only when a certificate is made.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('reflect-metadata');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const x509 = require('@peculiar/x509') as typeof import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  serial[0] = (serial[0] ?? 0) & 0x7f; // a positive serial number
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: 'CN=localhost, O=Keysmith',
    notBefore: new Date(now.getTime() - 30_000),
    // go-plugin makes its certificates valid for 30 years; a plugin process lives minutes.
    notAfter: new Date(now.getTime() + 10 * 365 * 24 * 3600_000),
    signingAlgorithm: algorithm,
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]["keys"],
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyAgreement | x509.KeyUsageFlags.keyCertSign,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth], false),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }], false),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const der = Buffer.from(cert.rawData);
  return { certPem: pem('CERTIFICATE', der), keyPem: pem('PRIVATE KEY', pkcs8), der };
}

/** The DER of a certificate as go-plugin's handshake line carries it: standard base64 without padding. */
export function handshakeCertificate(der: Buffer): string {
  return der.toString('base64').replace(/=+$/, '');
}

/** The PEM of a certificate received in a handshake line. */
export function certificateFromHandshake(field: string): string {
  return pem('CERTIFICATE', Buffer.from(field, 'base64'));
}
