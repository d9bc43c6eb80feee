/**
 * Seeded speech-like frames for checking a quantized model without recorded data: a glottal
 * pulse train (f0 100-200 Hz) through two or three formant resonators, shaped into syllables,
 * with pauses of low noise in between; 16 kHz, values in [-1, 1]. Voice-activity models see both
 * regimes (speech and silence), and any other float input gets a smooth, bounded, varied signal,
 * which white noise is not: Silero VAD on white noise never leaves its "silence" corner.
 */
import { mulberry32 } from '../seeded-random';

const RATE = 16000;

interface Resonator {
  a1: number;
  a2: number;
  gain: number;
}

/** Two-pole resonator for a formant at `freq` Hz with bandwidth `bw` Hz. */
function resonator(freq: number, bw: number): Resonator {
  const r = Math.exp((-Math.PI * bw) / RATE);
  return { a1: 2 * r * Math.cos((2 * Math.PI * freq) / RATE), a2: -r * r, gain: 1 - r };
}

/**
 * `count` frames of `frame` samples each, deterministic in `seed`. `vibrato` wobbles f0 by that
 * fraction (0 = a steady pitch per syllable).
 */
export function speechLikeFrames(count: number, frame: number, seed: number, vibrato = 0): Float32Array[] {
  const random = mulberry32(seed);
  const total = count * frame;
  const samples = new Float32Array(total);
  const formants = [resonator(600, 90), resonator(1400, 120), resonator(2500, 160)];
  const state = formants.map(() => ({ y1: 0, y2: 0 }));
  let phase = 0;
  let syllableEnd = 0;
  let voiced = false;
  let f0 = 140;
  for (let n = 0; n < total; n++) {
    if (n >= syllableEnd) {
      voiced = random() < 0.65;
      syllableEnd = n + Math.floor((voiced ? 0.15 + 0.25 * random() : 0.1 + 0.3 * random()) * RATE);
      f0 = 100 + 100 * random();
      formants[0] = resonator(400 + 500 * random(), 90);
      formants[1] = resonator(1000 + 1200 * random(), 120);
    }
    let value = (random() - 0.5) * 0.01;
    if (voiced) {
      phase += (f0 * (1 + vibrato * Math.sin(n / 2000))) / RATE;
      const pulse = phase >= 1 ? 1 : 0;
      if (phase >= 1) phase -= 1;
      let mixed = 0;
      formants.forEach((f, k) => {
        const s = state[k] ?? { y1: 0, y2: 0 };
        const y = f.gain * (pulse + (random() - 0.5) * 0.05) + f.a1 * s.y1 + f.a2 * s.y2;
        s.y2 = s.y1;
        s.y1 = y;
        mixed += y;
      });
      value += 3 * mixed * Math.min(1, ((syllableEnd - n) / RATE) * 20);
    }
    samples[n] = Math.max(-1, Math.min(1, value));
  }
  return Array.from({ length: count }, (_, i) => samples.slice(i * frame, (i + 1) * frame));
}
