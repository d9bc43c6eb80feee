/** The answer: the predicted digit, big, and the ten classes' probabilities as bars. */
import type { Predictor } from '../use-predictor';

const percent = (p: number): string => `${(Math.min(1, Math.max(0, p)) * 100).toFixed(1)}%`;

export function PredictionView({ predictor, serving }: { predictor: Predictor; serving: boolean }) {
  const { answer, error } = predictor;
  const model = answer ? `${answer.model.model}@${answer.model.version}` : '';
  return (
    <section class="answer" aria-labelledby="answer-title">
      <h2 id="answer-title">Prediction</h2>
      <p class="digit-line">
        <output class="digit" data-testid="prediction-digit" data-value={answer ? String(answer.digit) : ''} data-model={model} aria-live="polite" aria-label={answer ? `Predicted digit: ${answer.digit}` : 'No prediction yet'}>
          {answer ? answer.digit : '–'}
        </output>
        {answer ? <span class="hint">by {model}</span> : null}
      </p>
      {error ? (
        <p class="error" role="alert" data-testid="predict-error">
          {error}
        </p>
      ) : null}
      {answer ? (
        <ol class="bars" aria-label="Probability of each digit">
          {answer.probabilities.map((p, digit) => (
            <li key={digit} class={digit === answer.digit ? 'bar-row best' : 'bar-row'} data-testid={`probability-${digit}`} data-digit={digit} data-value={String(p)}>
              <span class="bar-digit">{digit}</span>
              <span class="bar" aria-hidden="true">
                <span class="bar-fill" style={{ width: percent(p) }} />
              </span>
              <span class="bar-value">{percent(p)}</span>
            </li>
          ))}
        </ol>
      ) : (
        <p class="hint">{serving ? 'Draw a digit on the pad to see what the model thinks.' : 'Waiting for a model: your drawing is answered as soon as one serves.'}</p>
      )}
    </section>
  );
}
