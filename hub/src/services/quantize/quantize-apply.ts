/** One quantization by mode, calibrating first for static int8 (adapters/calibration.ts). */
import type { ReleaseManifest } from '@edgefleet/protocol';
import { calibrate } from '../../adapters/calibration';
import { calibrationTargets } from '../../core/quantize/calibration-targets';
import type { CalibrationMethod } from '../../core/quantize/calibrate';
import { decodeModel } from '../../core/quantize/model-codec';
import { quantizeDynamic } from '../../core/quantize/quantize-dynamic';
import type { QuantizeResult } from '../../core/quantize/quantize-report';
import type { ActivationType } from '../../core/quantize/activation-params';
import type { DepthwisePolicy } from '../../core/quantize/float-kept-ops';
import { quantizeStatic } from '../../core/quantize/quantize-static';
import { quantizeWeightsOnly } from '../../core/quantize/quantize-weights-only';
import type { Feeds } from './quantize-session';

export type QuantizeMode = Exclude<ReleaseManifest['quantization'], 'none'>;

export interface QuantizeSettings {
  mode: QuantizeMode;
  /** default: false for dynamic (onnxruntime's tool's default), true for static and weight-only */
  perChannel?: boolean;
  /** static only; default minmax over every calibration sample */
  calibration?: { method: 'minmax' | 'percentile'; percentile?: number; samples?: number };
  /** static only; default float (quantize-static.ts) */
  depthwise?: DepthwisePolicy;
  /**
   * static only: activation type, default 'uint8' (U8U8, 8-bit weights); 'int8' pairs with 7-bit
   * weights and onnxruntime's faster u8s8 kernels on x86 (quantize-static.ts)
   */
  activations?: ActivationType;
  /**
   * static only; default true: when int8 misses the quality gate, keep the activations whose
   * quantization hurts the outputs most in float and try again (services/quantize/quantize-fallback.ts)
   */
  accuracyFallback?: boolean;
}

function methodOf(settings: QuantizeSettings): CalibrationMethod {
  const calibration = settings.calibration;
  return calibration?.method === 'percentile' ? { percentile: calibration.percentile ?? 99.999 } : 'minmax';
}

/** Static int8 calibrated once: each call makes a file from the same ranges, as often as the accuracy fallback asks. */
export type CalibratedStatic = (keepFloat?: readonly string[]) => QuantizeResult;

export async function calibrateStatic(bytes: Uint8Array, settings: QuantizeSettings, calibrationFeeds: readonly Feeds[]): Promise<CalibratedStatic> {
  const targets = calibrationTargets(decodeModel(bytes));
  const batches = calibrationFeeds.slice(0, settings.calibration?.samples ?? calibrationFeeds.length);
  const ranges = await calibrate(bytes, batches, targets.calibratable, methodOf(settings));
  return (keepFloat = []) => {
    const result = quantizeStatic(bytes, ranges, { perChannel: settings.perChannel ?? true, ...(settings.depthwise ? { depthwise: settings.depthwise } : {}), ...(settings.activations ? { activationType: settings.activations } : {}), keepFloat });
    result.report.notes.push(`calibrated on ${batches.length} batch(es) with ${JSON.stringify(methodOf(settings))}`);
    return result;
  };
}

export async function applyQuantization(bytes: Uint8Array, settings: QuantizeSettings, calibrationFeeds: readonly Feeds[]): Promise<QuantizeResult> {
  switch (settings.mode) {
    case 'int8-dynamic':
      return quantizeDynamic(bytes, { perChannel: settings.perChannel ?? false });
    case 'int8-weight-only':
      // Node names are labels only; dropping them is what brings third-party files under 0.3x.
      return quantizeWeightsOnly(bytes, { perChannel: settings.perChannel ?? true, stripNodeNames: true });
    case 'int8-static':
      return (await calibrateStatic(bytes, settings, calibrationFeeds))();
  }
}
