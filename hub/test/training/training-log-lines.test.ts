import { describe, expect, it } from 'vitest';
import { summarizeEpochs } from '../../src/services/training/training-fit';
import { classReport, formatMetrics, stoppingLine } from '../../src/services/training/training-report';

describe("a run's log lines about its fit and metrics", () => {
  const epochs = (losses: number[]) => losses.map((valLoss, i) => ({ epoch: i + 1, loss: 1, valLoss }));

  it('says when early stopping ended the fit, and which epoch it kept', () => {
    const summary = summarizeEpochs(epochs([0.9, 0.5, 0.6, 0.7]), 500);
    expect(summary).toEqual({ ran: 4, cap: 500, best: { epoch: 2, valLoss: 0.5 } });
    expect(summary && stoppingLine(summary, 2)).toEqual({ level: 'info', message: 'early stopping after epoch 4 of at most 500 (no validation-loss improvement for 2 epochs); kept epoch 2 (validation loss 0.5000)' });
  });

  it('warns when the cap ended a fit that was still improving (under-trained), not when it had levelled off', () => {
    const improving = summarizeEpochs(epochs([0.9, 0.8, 0.7, 0.6]), 4);
    expect(improving && stoppingLine(improving, 10).level).toBe('warn');
    expect(improving && stoppingLine(improving, 10).message).toContain('may be under-trained; raise params.epochs');
    const flat = summarizeEpochs(epochs([0.9, 0.5, 0.6, 0.7]), 4);
    expect(flat && stoppingLine(flat, 2)).toMatchObject({ level: 'info', message: 'trained all 4 epochs (the cap); kept epoch 2 (validation loss 0.5000)' });
    expect(summarizeEpochs([{ epoch: 1, loss: 0.3 }], 100)).toBeNull(); // ridge: no validation loss, nothing to say
  });

  it('prints headline metrics on one line, per-class F1 and the confusion matrix on their own', () => {
    const metrics = { macroF1: 0.5, ece: 0.125, 'f1[a]': 1, 'f1[b]': 0, 'confusion[a][a]': 2, 'confusion[a][b]': 0, 'confusion[b][a]': 1, 'confusion[b][b]': 0 };
    expect(formatMetrics(metrics)).toBe('macroF1=0.5000 ece=0.1250');
    expect(classReport(metrics, ['a', 'b'])).toEqual(['per-class F1 on the test split: a=1.0000 b=0.0000', 'confusion on the test split (rows: true class, columns: predicted, order a, b): [[2, 0], [1, 0]]']);
  });
});
