import { expect } from 'chai';
import type { Keysmith, UpdateWorkspaceParams } from '@keysmith/sdk';
import { forEachDialect } from '@keysmith/service/dist/test/helpers/databases';
import { LiveService, uniqueName } from './service';

const CALLS = 1_000;
const BALANCE = 100;

// The workspace credit balance through the SDK: 1,000 concurrent verifications of cost 1 against a balance
// of 100 admit exactly 100, and every other answer is QUOTA_EXCEEDED on the balance window.
forEachDialect('SDK against the service: the workspace credit balance under concurrency', (dialect) => {
  let service: LiveService;
  let client: Keysmith;

  before(async function () {
    // Exactness, not latency, is under test: a burst of 1,000 on a busy machine may queue behind the balance's
    // successive grants for longer than the default 1 s a verification waits on the database.
    service = await LiveService.start(dialect, { verification: { verifyTimeoutMs: 30_000 } });
    client = service.client();
    const document = JSON.parse((await service.harness.inject('GET', '/openapi.json', { as: null })).payload);
    if (!document.components.schemas.UpdateWorkspaceRequest.properties.creditBalance) {
      console.log('      (skipped: this service has no workspace credit balance yet)');
      this.skip();
    }
  });
  after(() => service?.stop());

  it(`${CALLS} concurrent cost-1 verifications against a balance of ${BALANCE} admit exactly ${BALANCE}`, async () => {
    const keys = await Promise.all([1, 2, 3, 4].map(() => client.keys.create({ name: uniqueName('balance'), rateLimit: { limit: 1_000_000, windowSeconds: 60 } })));
    // Cast while the generated types predate the balance; once they carry creditBalance the cast is a no-op.
    const updated = await client.workspace.update({ creditBalance: BALANCE } as UpdateWorkspaceParams);
    expect((updated as { creditBalance?: number | null }).creditBalance).to.equal(BALANCE);

    const results = await Promise.all(Array.from({ length: CALLS }, (_, i) => client.verify(keys[i % keys.length]!.secret, { cost: 1 })));
    const codes = new Map<string, number>();
    for (const r of results) {
      const label = r.code === 'QUOTA_EXCEEDED' ? `QUOTA_EXCEEDED/${r.window}` : r.code;
      codes.set(label, (codes.get(label) ?? 0) + 1);
    }
    expect(Object.fromEntries(codes)).to.deep.equal({ VALID: BALANCE, 'QUOTA_EXCEEDED/balance': CALLS - BALANCE });
    await service.harness.app.flush();
    expect((await client.workspace.get()).creditBalance).to.equal(0);
  });
});
