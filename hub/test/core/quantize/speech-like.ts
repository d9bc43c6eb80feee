import { speechLikeFrames as frames } from '../../../src/core/quantize/speech-like';

/** Silero's 512-sample frames at 16 kHz, with the 5% vibrato the Silero tolerances were measured on. */
export const speechLikeFrames = (count: number, seed: number): Float32Array[] => frames(count, 512, seed, 0.05);
