import { expect } from 'chai';
import { createPrivateKey, createPublicKey, sign, verify, X509Certificate } from 'node:crypto';
import { generateCertificate, handshakeCertificate } from '../../src/protocol/cert';

describe('protocol: the AutoMTLS certificate', () => {
  it('is a self-signed P-256 CA for localhost, for server and client auth, whose key matches', async () => {
    const generated = await generateCertificate(new Date('2026-03-01T00:00:00Z'));
    const cert = new X509Certificate(generated.der);
    expect(cert.subjectAltName).to.equal('DNS:localhost');
    expect(cert.subject).to.include('CN=localhost');
    expect(cert.ca).to.equal(true);
    expect(cert.verify(cert.publicKey)).to.equal(true);
    expect(cert.keyUsage).to.deep.equal(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).to.equal('prime256v1');
    expect(new Date(cert.validFrom).toISOString()).to.equal('2026-02-28T23:59:30.000Z');
    const message = Buffer.from('hello');
    const signature = sign('sha256', message, createPrivateKey(generated.keyPem));
    expect(verify('sha256', message, createPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' })), signature)).to.equal(true);
    expect(new X509Certificate(generated.certPem).fingerprint256).to.equal(cert.fingerprint256);
  });

  it('writes validity past 2049 as GeneralizedTime, which verifiers still read', async () => {
    const cert = new X509Certificate((await generateCertificate(new Date('2045-06-01T00:00:00Z'))).der);
    expect(new Date(cert.validTo).getUTCFullYear()).to.equal(2055);
  });

  it('goes into the handshake line as base64 without padding', async () => {
    const generated = await generateCertificate();
    const field = handshakeCertificate(generated.der);
    expect(field).to.not.include('=');
    expect(Buffer.from(field, 'base64').equals(generated.der)).to.equal(true);
  });
});
