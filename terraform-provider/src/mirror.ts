/**
 * `npm run -w terraform-provider mirror -- <dir>`: writes a Terraform filesystem mirror (the "unpacked"
 * layout) holding `keysmith.local/keysmith/keysmith` 0.1.0 for this machine, and prints the
 * `provider_installation` block that makes `terraform init` take the provider from it, offline.
 *
 * The mirror's executable is a small launcher that runs the provider built in this checkout on the
 * machine's `node`, so it needs this checkout (built, with its node_modules) where it was when the mirror
 * was written; run the command again after moving the checkout. Progress goes to stderr and the block to
 * stdout, so `npm run -s -w terraform-provider mirror -- ~/.terraform-mirror > keysmith.tfrc` keeps it.
 */
import { chmod, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const PROVIDER_HOST = 'keysmith.local';
export const PROVIDER_NAMESPACE = 'keysmith';
export const PROVIDER_TYPE = 'keysmith';
export const PROVIDER_SOURCE = `${PROVIDER_HOST}/${PROVIDER_NAMESPACE}/${PROVIDER_TYPE}`;
export const PROVIDER_VERSION = '0.1.0';

/** The provider's own executable in this package (a Node.js script), which the launcher runs. */
export const PROVIDER_ENTRY = resolve(__dirname, '..', '..', 'bin', 'terraform-provider-keysmith');

export interface MirrorResult {
  /** The mirror's root, absolute: the `path` of the `filesystem_mirror` block. */
  mirrorDir: string;
  /** The launcher Terraform runs. */
  executable: string;
  /** Terraform's name for the platform the launcher was written for, e.g. `linux_amd64`. */
  platform: string;
  /** The `provider_installation` block for the Terraform CLI configuration. */
  cliConfig: string;
}

/** Terraform's `<os>_<arch>` for this Node.js process, or null where the launcher (a POSIX sh script) cannot run. */
export function terraformPlatform(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string | null {
  const os = ({ linux: 'linux', darwin: 'darwin', freebsd: 'freebsd', openbsd: 'openbsd' } as Partial<Record<NodeJS.Platform, string>>)[platform];
  const cpu = ({ x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' } as Record<string, string>)[arch];
  return os && cpu ? `${os}_${cpu}` : null;
}

/** The `provider_installation` block: Keysmith's provider from the mirror, every other provider as usual. */
export function providerInstallationBlock(mirrorDir: string): string {
  return [
    'provider_installation {',
    '  filesystem_mirror {',
    `    path    = ${JSON.stringify(mirrorDir)}`,
    `    include = ["${PROVIDER_HOST}/*/*"]`,
    '  }',
    '  direct {',
    `    exclude = ["${PROVIDER_HOST}/*/*"]`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * The launcher: a POSIX sh script, since Terraform executes the file directly. It runs the provider on the
 * `node` found on PATH (Terraform passes its environment to providers), so Node upgrades need no new mirror.
 */
export function launcherScript(entry: string = PROVIDER_ENTRY): string {
  const quoted = `'${entry.replace(/'/g, `'\\''`)}'`;
  return [
    '#!/bin/sh',
    `# ${PROVIDER_SOURCE} ${PROVIDER_VERSION}: runs the Keysmith provider built in this checkout on Node.js.`,
    `entry=${quoted}`,
    'if ! command -v node >/dev/null 2>&1; then',
    '  echo "terraform-provider-keysmith needs Node.js 20.15 or later on PATH (node was not found)" >&2',
    '  exit 1',
    'fi',
    'if [ ! -f "$entry" ]; then',
    '  echo "terraform-provider-keysmith: $entry is gone; build the checkout (npx tsc -b) and write the mirror again" >&2',
    '  exit 1',
    'fi',
    'exec node "$entry" "$@"',
    '',
  ].join('\n');
}

/** Writes the mirror under `dir` (created if needed; an earlier 0.1.0 package there is replaced). */
export async function writeMirror(dir: string, progress: (line: string) => void = () => undefined): Promise<MirrorResult> {
  const mirrorDir = resolve(dir);
  const platform = terraformPlatform();
  if (!platform) throw new Error(`the mirror's launcher is a POSIX sh script; ${process.platform}/${process.arch} is not supported`);
  progress(`checking the provider build at ${PROVIDER_ENTRY}`);
  if (!(await isFile(PROVIDER_ENTRY))) {
    throw new Error(`${PROVIDER_ENTRY} is missing: build the provider first (npx tsc -b at the repository root)`);
  }
  const packageDir = join(mirrorDir, PROVIDER_HOST, PROVIDER_NAMESPACE, PROVIDER_TYPE, PROVIDER_VERSION, platform);
  progress(`writing ${PROVIDER_SOURCE} ${PROVIDER_VERSION} for ${platform} to ${packageDir}`);
  await rm(packageDir, { recursive: true, force: true });
  await mkdir(packageDir, { recursive: true });
  const executable = join(packageDir, `terraform-provider-${PROVIDER_TYPE}_v${PROVIDER_VERSION}`);
  await writeFile(executable, launcherScript(), 'utf8');
  await chmod(executable, 0o755);
  progress(`done: ${executable}`);
  return { mirrorDir, executable, platform, cliConfig: providerInstallationBlock(mirrorDir) };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function main(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0] === '--help' || args[0] === '-h') {
    process.stderr.write('usage: npm run -w terraform-provider mirror -- <dir>\n');
    return args[0] === '--help' || args[0] === '-h' ? 0 : 2;
  }
  // npm runs workspace scripts in the workspace's folder; a relative <dir> means the caller's folder.
  const base = process.env.INIT_CWD ?? process.cwd();
  try {
    const result = await writeMirror(resolve(base, args[0]!), (line) => process.stderr.write(`mirror: ${line}\n`));
    process.stderr.write(
      '\nAdd this block to your Terraform CLI configuration (~/.terraformrc, or the file TF_CLI_CONFIG_FILE names);\n' +
        `then \`terraform init\` installs ${PROVIDER_SOURCE} from the mirror without a registry:\n\n`,
    );
    process.stdout.write(result.cliConfig);
    return 0;
  } catch (err) {
    process.stderr.write(`mirror: ${(err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
