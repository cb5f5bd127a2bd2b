import { expect } from 'chai';
import { createLogger, levelFromEnv, redact } from '../../src/protocol/log';

describe('protocol: logs in hclog JSON form', () => {
  it('writes one JSON object per line with @level, @message and a microsecond @timestamp go-plugin can parse', () => {
    const lines: string[] = [];
    const logger = createLogger('debug', (line) => lines.push(line), () => new Date('2026-01-02T03:04:05.678Z'));
    logger.info('planned', { rpc: 'PlanResourceChange', duration_ms: 3 });
    expect(lines).to.have.length(1);
    expect(lines[0]!.endsWith('\n')).to.equal(true);
    expect(JSON.parse(lines[0]!)).to.deep.equal({
      '@level': 'info',
      '@message': 'planned',
      '@module': 'keysmith',
      '@timestamp': '2026-01-02T03:04:05.678000Z',
      rpc: 'PlanResourceChange',
      duration_ms: 3,
    });
  });

  it('drops lines below the level', () => {
    const lines: string[] = [];
    const logger = createLogger('warn', (line) => lines.push(line));
    logger.debug('no');
    logger.info('no');
    logger.warn('yes');
    logger.error('yes');
    expect(lines.map((l) => JSON.parse(l)['@level'])).to.deep.equal(['warn', 'error']);
  });

  it('takes the level from TF_LOG_PROVIDER, then TF_LOG', () => {
    expect(levelFromEnv({ TF_LOG: 'DEBUG' })).to.equal('debug');
    expect(levelFromEnv({ TF_LOG: 'debug', TF_LOG_PROVIDER: 'TRACE' })).to.equal('trace');
    expect(levelFromEnv({ TF_LOG: 'JSON' })).to.equal('trace');
    expect(levelFromEnv({ TF_LOG_PROVIDER: 'off' })).to.equal('off');
    expect(levelFromEnv({})).to.equal('warn');
  });

  it('blanks anything shaped like a Keysmith secret or root key, and bearer tokens', () => {
    expect(redact('key acme_live_Ab3xQ9fQ2zzzzzzz rotated')).to.equal('key [redacted] rotated');
    expect(redact('root acme-corp_root_ZZZZZZZZZZZZ')).to.equal('root [redacted]');
    expect(redact('Authorization: Bearer abc.def')).to.equal('Authorization: [redacted]');
    const lines: string[] = [];
    createLogger('info', (line) => lines.push(line)).info('created acme_dev_QQQQQQQQQQQQQQQQ', { note: 'acme_prev_RRRRRRRRRRRR' });
    expect(lines[0]).to.not.match(/QQQQ|RRRR/);
  });
});
