/**
 * `npm run -w terraform-provider proto:json`: writes proto/descriptor.json, the .proto files as
 * protobufjs JSON, which the provider loads at start instead of parsing the .proto text (faster start).
 * The protocol tests fail when the two differ.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { PROTO_FILES, protoDir } from '../../src/protocol/plugin';

export function descriptorFromProtoFiles(): string {
  const root = new protobuf.Root();
  root.loadSync(PROTO_FILES.map((file) => path.join(protoDir(), file)), { keepCase: true });
  return `${JSON.stringify(root.toJSON(), null, 1)}\n`;
}

if (require.main === module) {
  const target = path.join(protoDir(), 'descriptor.json');
  fs.writeFileSync(target, descriptorFromProtoFiles());
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}
