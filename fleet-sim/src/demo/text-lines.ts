/**
 * Printed text lines for PaddleOCR's text-direction classifier, rendered from real fonts (the
 * DejaVu families, `dejavu-fonts-ttf`) with `pureimage`, a pure-JS canvas: no native canvas, no
 * system fonts, the same pixels on every machine. Half the lines are turned 180 degrees (label
 * 1). Each line varies the face, size, position, ink and paper shade, a light gradient and pixel
 * noise, and holds the kind of text an edge OCR device reads (words, codes, dates, amounts). The
 * tensor is laid out and normalised the way PaddleOCR feeds the classifier: [N, 3, 48, 192],
 * (x / 255 - 0.5) / 0.5.
 *
 * These stand in for "realistic inputs" in the int8 benchmark: on them fp32 is right on
 * essentially every line and confident, so int8's agreement with it measures int8, not
 * ambiguity of the inputs (the handwritten-digit lines used before left fp32 right on 66%).
 */
import { createRequire } from 'node:module';
import * as PImage from 'pureimage';
import { mulberry32 } from '../../../hub/src/core/seeded-random';

export const LINE_HEIGHT = 48;
export const LINE_WIDTH = 192;
const PLANE = LINE_HEIGHT * LINE_WIDTH;

const FACES = ['DejaVuSans', 'DejaVuSans-Bold', 'DejaVuSansCondensed', 'DejaVuSansMono', 'DejaVuSerif', 'DejaVuSerif-Bold', 'DejaVuSerifCondensed', 'DejaVuSans-Oblique'];
const WORDS = [
  'invoice', 'total', 'amount', 'street', 'phone', 'order', 'shipping', 'tax', 'customer', 'date', 'quantity', 'price', 'delivery',
  'station', 'platform', 'exit', 'north', 'meter', 'reading', 'serial', 'batch', 'lot', 'expires', 'gate', 'parcel', 'Berlin',
  'Lisbon', 'Osaka', 'Nairobi', 'Quebec', 'account', 'balance', 'receipt', 'cashier', 'welcome', 'thank you', 'warning', 'voltage',
];

export interface TextLines {
  /** [count, 3, 48, 192], normalised. */
  x: Float32Array;
  /** 1 where the line is turned 180 degrees. */
  labels: Int32Array;
}

let registered = false;
function registerFonts(): void {
  if (registered) return;
  const require = createRequire(import.meta.url);
  for (const face of FACES) PImage.registerFont(require.resolve(`dejavu-fonts-ttf/ttf/${face}.ttf`), face).loadSync();
  registered = true;
}

function phrase(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const kinds = [
    () => `${pick(WORDS)} ${pick(WORDS)}`,
    () => `${pick(WORDS)}: ${digits(2 + Math.floor(random() * 4))}`,
    () => `20${digits(2)}-${digits(2)}-${digits(2)}`,
    () => `EUR ${digits(1 + Math.floor(random() * 3))}.${digits(2)}`,
    () => `No. ${digits(4)}-${pick(['A', 'B', 'K', 'X'])}`,
    () => pick(WORDS).toUpperCase(),
  ];
  return pick(kinds)();
}

const gray = (level: number): string => {
  const hex = Math.max(0, Math.min(255, Math.round(level))).toString(16).padStart(2, '0');
  return `#${hex}${hex}${hex}`;
};

/** `count` seeded lines; the same seed gives the same pixels. About 3 ms per line. */
export function textLines(count: number, seed: number): TextLines {
  registerFonts();
  const random = mulberry32(seed);
  const image = PImage.make(LINE_WIDTH, LINE_HEIGHT);
  const ctx = image.getContext('2d');
  const x = new Float32Array(count * 3 * PLANE);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const paper = 200 + 55 * random();
    ctx.fillStyle = gray(paper);
    ctx.fillRect(0, 0, LINE_WIDTH, LINE_HEIGHT);
    const face = FACES[Math.floor(random() * FACES.length)] ?? 'DejaVuSans';
    let size = 16 + Math.floor(random() * 10);
    const text = phrase(random);
    ctx.font = `${size}pt ${face}`;
    // Shrink until the line fits, as PaddleOCR's resize would.
    while (size > 10 && ctx.measureText(text).width > LINE_WIDTH - 6) ctx.font = `${--size}pt ${face}`;
    ctx.fillStyle = gray(10 + 70 * random());
    const baseline = LINE_HEIGHT / 2 + size * 0.45 + (random() - 0.5) * 6;
    ctx.fillText(text, 2 + random() * 6, baseline);
    const shade = 25 * random();
    const turned = random() < 0.5;
    labels[n] = turned ? 1 : 0;
    for (let p = 0; p < PLANE; p++) {
      const source = turned ? PLANE - 1 - p : p;
      const column = source % LINE_WIDTH;
      const value = (image.data[source * 4] ?? 0) - (shade * column) / LINE_WIDTH + 6 * (random() - 0.5);
      const normalised = (Math.max(0, Math.min(255, value)) / 255 - 0.5) / 0.5;
      for (let channel = 0; channel < 3; channel++) x[(n * 3 + channel) * PLANE + p] = normalised;
    }
  }
  return { x, labels };
}
