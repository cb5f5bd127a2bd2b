import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate, serviceDocument } from '../scripts/generate-types';

// CI runs this with every test run: the committed types must be exactly what the service's contract
// generates today, so a route or schema change that the SDK has not taken up fails here.
describe('sdk generated types', () => {
  it('src/generated/openapi.ts is what `npm run -w sdk generate` writes from the current service', async () => {
    const committed = readFileSync(join(__dirname, '..', '..', 'src', 'generated', 'openapi.ts'), 'utf8');
    const fresh = await generate(await serviceDocument());
    expect(fresh === committed, 'src/generated/openapi.ts is out of date: run `npm run -w sdk generate` and commit it').to.equal(true);
  });

  it('optional request fields stay optional although the service gives them a default', async () => {
    const fresh = await generate(await serviceDocument());
    const schema = (name: string) => fresh.slice(fresh.indexOf(`        ${name}: {`), fresh.indexOf('\n        };', fresh.indexOf(`        ${name}: {`)));
    expect(schema('CreateKeyRequest')).to.contain('environment?: "production"');
    expect(schema('RotateRequest')).to.contain('overlapSeconds?: number;');
  });
});
