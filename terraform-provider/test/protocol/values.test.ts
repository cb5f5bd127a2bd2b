import { expect } from 'chai';
import { decode, encode, ExtData } from '@msgpack/msgpack';
import { UNKNOWN, type BlockSchema, type TfValue } from '../../src/framework/contract';
import { decodeDynamic, encodeDynamic, ValueError } from '../../src/protocol/values';
import { diagnosticToProto, pathToProto, schemaToProto } from '../../src/protocol/schema';
import { standInSchemas } from './standInProvider';

const block = standInSchemas.resources.standin_thing!.block;

const full: TfValue = {
  id: 'thing_1',
  name: 'web',
  environment: 'production',
  tags: ['a', 'b'],
  labels: { team: 'payments' },
  secret: 'x',
  count: 42,
  rotation: { every: '90d', overlap: '1h' },
  rule: [{ limit: 10 }, { limit: 2.5 }],
};

describe('protocol: DynamicValue msgpack codec', () => {
  it('round-trips a value with nested single and list blocks, maps and lists', () => {
    expect(decodeDynamic(encodeDynamic(full, block), block)).to.deep.equal(full);
  });

  it('writes every attribute of the schema, null when absent, and an empty list for absent list blocks', () => {
    const wire = decode(encodeDynamic({ name: 'web' }, block).msgpack) as Record<string, unknown>;
    expect(Object.keys(wire).sort()).to.deep.equal(['count', 'environment', 'id', 'labels', 'name', 'rotation', 'rule', 'secret', 'tags']);
    expect(wire.rotation).to.equal(null);
    expect(wire.rule).to.deep.equal([]);
    expect(wire.tags).to.equal(null);
  });

  it('writes unknown as extension 0, as Terraform does', () => {
    const wire = encodeDynamic({ name: 'web', id: UNKNOWN, rotation: { every: UNKNOWN, overlap: null } }, block).msgpack;
    const decoded = decode(wire) as Record<string, unknown>;
    expect(decoded.id).to.be.instanceOf(ExtData);
    expect((decoded.id as ExtData).type).to.equal(0);
    expect(((decoded.rotation as Record<string, unknown>).every as ExtData).type).to.equal(0);
    // fixext 1 (0xd4), type 0, one byte: the exact bytes Terraform's own encoder produces.
    expect(Buffer.from(wire).includes(Buffer.from([0xa2, 0x69, 0x64, 0xd4, 0x00, 0x00]))).to.equal(true);
  });

  it('reads any extension as unknown: 0 plain, 12 refined (with its refinements ignored), and others', () => {
    const refined = new ExtData(12, encode(new Map<number, unknown>([[1, false], [2, 'thing_']])));
    const msgpack = Buffer.from(encode({
      name: new ExtData(0, new Uint8Array(0)),
      id: refined,
      tags: [new ExtData(0, new Uint8Array([0])), 'b'],
      labels: new ExtData(42, new Uint8Array([1, 2, 3])),
      rotation: new ExtData(12, encode(new Map([[1, false]]))),
      rule: [{ limit: new ExtData(12, encode(new Map([[3, [1, true]]]))) }],
    }));
    const value = decodeDynamic({ msgpack }, block) as Record<string, TfValue>;
    expect(value.name).to.equal(UNKNOWN);
    expect(value.id).to.equal(UNKNOWN);
    expect(value.tags).to.deep.equal([UNKNOWN, 'b']);
    expect(value.labels).to.equal(UNKNOWN);
    expect(value.rotation).to.equal(UNKNOWN);
    expect(value.rule).to.deep.equal([{ limit: UNKNOWN }]);
    // Absent attributes read as null.
    expect(value.count).to.equal(null);
  });

  it('reads a whole unknown object', () => {
    expect(decodeDynamic({ msgpack: Buffer.from(encode(new ExtData(0, new Uint8Array([0])))) }, block)).to.equal(UNKNOWN);
  });

  it('reads numbers sent as integers, floats or decimal strings', () => {
    const msgpack = Buffer.from(encode({ count: '12345', rule: [{ limit: 1.5 }, { limit: 2 ** 40 }] }));
    const value = decodeDynamic({ msgpack }, block) as Record<string, TfValue>;
    expect(value.count).to.equal(12345);
    expect(value.rule).to.deep.equal([{ limit: 1.5 }, { limit: 2 ** 40 }]);
  });

  it('reads DynamicValue.json when msgpack is empty', () => {
    const json = Buffer.from(JSON.stringify({ name: 'web', tags: ['a'], rotation: { every: '1h' }, rule: [] }));
    const value = decodeDynamic({ msgpack: Buffer.alloc(0), json }, block) as Record<string, TfValue>;
    expect(value).to.include({ name: 'web', secret: null });
    expect(value.rotation).to.deep.equal({ every: '1h', overlap: null });
  });

  it('reads an empty DynamicValue as null (no object)', () => {
    expect(decodeDynamic({ msgpack: Buffer.alloc(0) }, block)).to.equal(null);
    expect(decodeDynamic(undefined, block)).to.equal(null);
    expect(decode(encodeDynamic(null, block).msgpack)).to.equal(null);
  });

  it('says where a value does not match the schema', () => {
    const msgpack = Buffer.from(encode({ rule: [{ limit: 'many' }] }));
    expect(() => decodeDynamic({ msgpack }, block)).to.throw(ValueError, 'expected a number, got a string at rule.0.limit');
    expect(() => encodeDynamic({ name: 3 }, block)).to.throw(ValueError, 'expected a string, got a number at name');
  });
});

describe('protocol: schema and path conversion', () => {
  it('encodes attribute types as JSON type bytes and nested blocks with their nesting', () => {
    const pb = schemaToProto(standInSchemas.resources.standin_thing!);
    expect(pb.version).to.equal(1);
    const byName = Object.fromEntries(pb.block.attributes.map((a) => [a.name, a]));
    expect(byName.name!.type.toString()).to.equal('"string"');
    expect(byName.tags!.type.toString()).to.equal('["list","string"]');
    expect(byName.labels!.type.toString()).to.equal('["map","string"]');
    expect(byName.secret).to.include({ computed: true, sensitive: true, required: false });
    expect(byName.name).to.include({ required: true });
    const blocks = Object.fromEntries(pb.block.block_types.map((b) => [b.type_name, b]));
    // Terraform requires min == max for a single block.
    expect(blocks.rotation).to.include({ nesting: 'SINGLE', min_items: 0, max_items: 0 });
    expect(blocks.rule).to.include({ nesting: 'LIST' });
    expect(blocks.rotation!.block.attributes.map((a) => a.name)).to.deep.equal(['every', 'overlap']);
  });

  it('encodes object attribute types', () => {
    const objectBlock: BlockSchema = { attributes: { o: { type: ['object', { a: 'string', b: ['set', 'number'] }], description: '', optional: true } } };
    expect(schemaToProto({ version: 0, block: objectBlock }).block.attributes[0]!.type.toString()).to.equal('["object",{"a":"string","b":["set","number"]}]');
  });

  it('turns paths into attribute names, map keys and list indexes according to the schema', () => {
    expect(pathToProto(['rotation', 'every'], block).steps).to.deep.equal([{ attribute_name: 'rotation' }, { attribute_name: 'every' }]);
    expect(pathToProto(['rule', 1, 'limit'], block).steps).to.deep.equal([{ attribute_name: 'rule' }, { element_key_int: 1 }, { attribute_name: 'limit' }]);
    expect(pathToProto(['labels', 'team'], block).steps).to.deep.equal([{ attribute_name: 'labels' }, { element_key_string: 'team' }]);
    expect(pathToProto(['tags', 0], block).steps).to.deep.equal([{ attribute_name: 'tags' }, { element_key_int: 0 }]);
  });

  it('blanks credentials in diagnostic text', () => {
    const pb = diagnosticToProto({ severity: 'error', summary: 'Bad key acme_live_AbCdEfGh12345678', detail: 'root key s3cr3t-root-key was refused' }, block, ['s3cr3t-root-key']);
    expect(pb.summary).to.equal('Bad key [redacted]');
    expect(pb.detail).to.equal('root key [redacted] was refused');
  });
});

describe('protocol: proto/descriptor.json', () => {
  it('is the .proto files compiled (run `npm run -w terraform-provider proto:json` after editing them)', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { protoDir } = await import('../../src/protocol/plugin');
    const { descriptorFromProtoFiles } = await import('./protoJson');
    expect(fs.readFileSync(path.join(protoDir(), 'descriptor.json'), 'utf8')).to.equal(descriptorFromProtoFiles());
  });
});
