/**
 * Predictions for the pad: the last drawing is kept, answered by the serving model, and answered
 * again whenever the serving model changes (a rollout or rollback reaching this browser), without
 * a reload. Only the latest request's answer is shown.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { WebRuntimeError, type EdgeDevice, type ModelRef } from '@edgefleet/web-runtime';
import { digitAnswer, digitInputs, type DigitAnswer } from './digit-model';

export interface Answer extends DigitAnswer {
  /** the model that answered */
  model: ModelRef;
  latencyMs: number;
}

export interface Predictor {
  answer: Answer | null;
  /** the last prediction's failure: "E_CODE: message" */
  error: string | null;
  /** the last answered call's model time in ms (kept when the pad is cleared) */
  latencyMs: number | null;
  /** answers these 784 pixels now and again after every model switch */
  predict(pixels: Float32Array): void;
  clear(): void;
}

export const refKey = (ref: ModelRef | null | undefined): string => (ref ? `${ref.model}@${ref.version}#${ref.sha256}` : '');

const errorText = (error: unknown): string => {
  if (error instanceof WebRuntimeError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
};

export function usePredictor(device: EdgeDevice | null, active: ModelRef | null): Predictor {
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [latencyMs, setLatencyMs] = useState<number | null>(null);
  const pixels = useRef<Float32Array | null>(null);
  const ticket = useRef(0);

  const run = useCallback((): void => {
    const input = pixels.current;
    // Before a model serves there is nothing to ask: the drawing is answered once one does.
    if (!device || !input || !device.status().active) return;
    const mine = ++ticket.current;
    device
      .predict(digitInputs(input))
      .then((prediction): Answer => ({ ...digitAnswer(prediction), model: prediction.model, latencyMs: prediction.latencyMs }))
      .then(
        (answered) => {
          if (mine !== ticket.current) return;
          setAnswer(answered);
          setLatencyMs(answered.latencyMs);
          setError(null);
        },
        (failure: unknown) => {
          if (mine !== ticket.current) return;
          setError(errorText(failure));
        },
      );
  }, [device]);

  const activeKey = refKey(active);
  useEffect(run, [run, activeKey]);

  const predict = useCallback(
    (next: Float32Array): void => {
      pixels.current = next;
      run();
    },
    [run],
  );
  const clear = useCallback((): void => {
    pixels.current = null;
    ticket.current++;
    setAnswer(null);
    setError(null);
  }, []);

  return { answer, error, latencyMs, predict, clear };
}
