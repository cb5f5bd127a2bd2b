import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { generateCertificate } from '../../src/protocol/cert';
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from '../../src/protocol/plugin';
import { STAND_IN_ENTRY, TerraformCore } from '../helpers/terraformCore';

function run(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [STAND_IN_ENTRY], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('protocol: the plugin process (go-plugin handshake, AutoMTLS, lifecycle)', () => {
  it('refuses to start without the magic cookie and says how to use it instead', async () => {
    const result = await run({});
    expect(result.code).to.equal(1);
    expect(result.stdout).to.equal('');
    expect(result.stderr).to.include('This is a Terraform provider plugin');
    expect(result.stderr).to.include('keysmith.local/keysmith/keysmith');
    expect(result.stderr).to.include('terraform init');
  });

  it('refuses a Terraform that offers no protocol 6', async () => {
    const result = await run({ [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: '4,5' });
    expect(result.code).to.equal(1);
    expect(result.stdout).to.equal('');
    expect(result.stderr).to.include('speaks plugin protocol 6');
  });

  describe('started as Terraform starts it', () => {
    let core: TerraformCore;
    before(async () => {
      core = await TerraformCore.start({ entry: STAND_IN_ENTRY, env: { PLUGIN_PROTOCOL_VERSIONS: '5,6' } });
    });
    after(async () => {
      await core?.stop();
    });

    it('prints only the handshake line: core 1, protocol 6, tcp on 127.0.0.1, grpc, the certificate as unpadded base64 DER', async () => {
      expect(core.handshake.line).to.match(/^1\|6\|tcp\|127\.0\.0\.1:\d+\|grpc\|[A-Za-z0-9+/]+$/);
      expect(core.stdout).to.equal(`${core.handshake.line}\n`);
    });

    it('serves a self-signed CA certificate for localhost, valid for server and client auth', () => {
      const cert = new X509Certificate(Buffer.from(core.handshake.certificate, 'base64'));
      expect(cert.subjectAltName).to.equal('DNS:localhost');
      expect(cert.ca).to.equal(true);
      expect(cert.checkIssued(cert)).to.equal(true);
      expect(cert.verify(cert.publicKey)).to.equal(true);
      expect(cert.keyUsage).to.include.members(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
      expect(new Date(cert.validFrom).getTime()).to.be.below(Date.now());
      expect(new Date(cert.validTo).getTime()).to.be.above(Date.now() + 365 * 24 * 3600_000);
    });

    it('answers the health check SERVING for service "plugin"', async () => {
      expect(await core.healthCheck('plugin')).to.equal('SERVING');
      const error = await core.healthCheck('other').then(() => null, (e: grpc.ServiceError) => e);
      expect(error?.code).to.equal(grpc.status.NOT_FOUND);
    });

    it('answers an RPC newer than protocol 6.8 UNIMPLEMENTED and keeps serving', async () => {
      const error = await core.callRaw('/tfplugin6.Provider/GetResourceIdentitySchemas').then(() => null, (e: grpc.ServiceError) => e);
      expect(error?.code).to.equal(grpc.status.UNIMPLEMENTED);
      expect(await core.healthCheck()).to.equal('SERVING');
    });

    it('keeps serving after SIGINT (Ctrl-C reaches the provider too; Terraform decides when it stops)', async () => {
      core.process.kill('SIGINT');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await core.healthCheck()).to.equal('SERVING');
    });
  });

  it('refuses a client that presents another certificate than PLUGIN_CLIENT_CERT', async () => {
    const core = await TerraformCore.start({ entry: STAND_IN_ENTRY, presentCertificate: await generateCertificate() });
    try {
      const error = await core.healthCheck().then(() => null, (e: grpc.ServiceError) => e);
      expect(error?.code).to.equal(grpc.status.UNAVAILABLE);
    } finally {
      core.close();
      core.process.kill('SIGTERM');
      await core.exited;
    }
  });

  it('exits 0 on GRPCController/Shutdown', async () => {
    const core = await TerraformCore.start({ entry: STAND_IN_ENTRY });
    expect(await core.healthCheck()).to.equal('SERVING');
    expect(await core.stop()).to.equal(0);
  });

  it('on SIGTERM, finishes the call in flight, then exits 0', async () => {
    const core = await TerraformCore.start({ entry: STAND_IN_ENTRY });
    await core.schema();
    const slow = core.plan('standin_thing', null, { name: 'slow' }, { name: 'slow' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    core.process.kill('SIGTERM');
    const plan = await slow;
    expect(plan.diagnostics).to.deep.equal([]);
    expect((plan.plannedState as Record<string, unknown>).name).to.equal('slow');
    expect((await core.exited).code).to.equal(0);
    core.close();
  });

  it('logs nothing below warnings unless TF_LOG or TF_LOG_PROVIDER asks', async () => {
    const quiet = await TerraformCore.start({ entry: STAND_IN_ENTRY, env: { TF_LOG: '', TF_LOG_PROVIDER: '' } });
    await quiet.schema();
    expect(await quiet.stop()).to.equal(0);
    expect(quiet.stderr).to.equal('');
    const chatty = await TerraformCore.start({ entry: STAND_IN_ENTRY, env: { TF_LOG: '', TF_LOG_PROVIDER: 'DEBUG' } });
    await chatty.schema();
    expect(await chatty.stop()).to.equal(0);
    expect(chatty.logs().map((l) => l['@message'])).to.include.members(['plugin serving', 'GetProviderSchema done']);
  });

  it('the executable serves the Keysmith provider', async () => {
    const core = await TerraformCore.start();
    try {
      const schemas = await core.schema();
      expect(Object.keys(schemas.resources)).to.include.members(['keysmith_api_key', 'keysmith_quota_policy']);
      expect(Object.keys(schemas.dataSources)).to.include.members(['keysmith_api_key', 'keysmith_quota_policy']);
      expect(schemas.provider.block.attributes.root_key?.sensitive).to.equal(true);
    } finally {
      expect(await core.stop()).to.equal(0);
    }
  });

  it('exits 0 on SIGTERM', async () => {
    const core = await TerraformCore.start({ entry: STAND_IN_ENTRY });
    expect(await core.healthCheck()).to.equal('SERVING');
    core.process.kill('SIGTERM');
    expect((await core.exited).code).to.equal(0);
    core.close();
  });
});
