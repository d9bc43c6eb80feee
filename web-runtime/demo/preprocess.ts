/**
 * MNIST-style preprocessing of a drawing, as the digits the model learnt from were made: the ink's
 * bounding box scaled (area-averaged, aspect kept) to fit a 20x20 box, then placed in a 28x28
 * image so that its centre of mass is the image's centre. Values in [0, 1], 1 = ink, row-major.
 * Pure: no canvas, so it is the same for a test's pixels and the pad's.
 */

/** A grayscale picture: `data[y * width + x]` in [0, 1], 1 = ink. */
export interface Gray {
  width: number;
  height: number;
  data: Float32Array;
}

interface Box {
  x0: number;
  y0: number;
  /** exclusive */
  x1: number;
  /** exclusive */
  y1: number;
}

export const MNIST_SIDE = 28;
/** The box the digit's longer side is scaled to. */
const FIT = 20;
/** Fainter than this is background when finding the ink (the pen's antialiased fringe). */
const INK = 0.1;

/** The canvas's RGBA pixels as ink: white strokes on black, so brightness is ink. */
export function grayOf(rgba: Uint8ClampedArray, width: number, height: number): Gray {
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) {
    const at = i * 4;
    data[i] = ((rgba[at] ?? 0) + (rgba[at + 1] ?? 0) + (rgba[at + 2] ?? 0)) / (3 * 255);
  }
  return { width, height, data };
}

function inkBox(image: Gray): Box | null {
  let x0 = image.width;
  let y0 = image.height;
  let x1 = 0;
  let y1 = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if ((image.data[y * image.width + x] ?? 0) <= INK) continue;
      if (x < x0) x0 = x;
      if (y < y0) y0 = y;
      if (x >= x1) x1 = x + 1;
      if (y >= y1) y1 = y + 1;
    }
  }
  return x1 > x0 && y1 > y0 ? { x0, y0, x1, y1 } : null;
}

/** For each of `to` cells, the source cells it covers over `from` and their share (shares sum to 1). */
function areaWeights(from: number, to: number): Array<Array<[index: number, weight: number]>> {
  const scale = from / to;
  return Array.from({ length: to }, (_, d) => {
    const start = d * scale;
    const end = (d + 1) * scale;
    const cells: Array<[number, number]> = [];
    for (let i = Math.floor(start); i < Math.min(from, Math.ceil(end)); i++) {
      const overlap = Math.min(end, i + 1) - Math.max(start, i);
      if (overlap > 0) cells.push([i, overlap / scale]);
    }
    return cells;
  });
}

/** `box` of `image` resampled to `width` x `height` by area averaging (rows, then columns). */
function resize(image: Gray, box: Box, width: number, height: number): Float32Array {
  const boxWidth = box.x1 - box.x0;
  const boxHeight = box.y1 - box.y0;
  const across = areaWeights(boxWidth, width);
  const down = areaWeights(boxHeight, height);
  const rows = new Float32Array(boxHeight * width);
  for (let y = 0; y < boxHeight; y++) {
    const row = (box.y0 + y) * image.width + box.x0;
    across.forEach((cells, x) => {
      let sum = 0;
      for (const [i, weight] of cells) sum += (image.data[row + i] ?? 0) * weight;
      rows[y * width + x] = sum;
    });
  }
  const out = new Float32Array(width * height);
  down.forEach((cells, y) => {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (const [i, weight] of cells) sum += (rows[i * width + x] ?? 0) * weight;
      out[y * width + x] = sum;
    }
  });
  return out;
}

/** The centre of mass, in pixel units with each pixel's centre at +0.5. */
function centreOfMass(data: Float32Array, width: number, height: number): { x: number; y: number } {
  let mass = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const value = data[y * width + x] ?? 0;
      mass += value;
      sx += value * (x + 0.5);
      sy += value * (y + 0.5);
    }
  }
  return mass > 0 ? { x: sx / mass, y: sy / mass } : { x: width / 2, y: height / 2 };
}

/** The model's 784 inputs for a drawing, or null when nothing is drawn. */
export function mnistPixels(image: Gray): Float32Array | null {
  const box = inkBox(image);
  if (!box) return null;
  const boxWidth = box.x1 - box.x0;
  const boxHeight = box.y1 - box.y0;
  const scale = FIT / Math.max(boxWidth, boxHeight);
  const width = Math.max(1, Math.min(FIT, Math.round(boxWidth * scale)));
  const height = Math.max(1, Math.min(FIT, Math.round(boxHeight * scale)));
  const digit = resize(image, box, width, height);
  const centre = centreOfMass(digit, width, height);
  const left = Math.round(MNIST_SIDE / 2 - centre.x);
  const top = Math.round(MNIST_SIDE / 2 - centre.y);
  const out = new Float32Array(MNIST_SIDE * MNIST_SIDE);
  for (let y = 0; y < height; y++) {
    const ty = top + y;
    if (ty < 0 || ty >= MNIST_SIDE) continue;
    for (let x = 0; x < width; x++) {
      const tx = left + x;
      if (tx < 0 || tx >= MNIST_SIDE) continue;
      out[ty * MNIST_SIDE + tx] = Math.min(1, Math.max(0, digit[y * width + x] ?? 0));
    }
  }
  return out;
}
