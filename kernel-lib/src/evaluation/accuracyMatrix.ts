/**
 * The accuracy matrix: accuracy on experience j (columns) after training on experience i (rows),
 * collected from the `Top1_Acc_Exp` values of each stream, for plots and transfer measures.
 */
import type { BaseStrategy } from '../training/template';
import type { MetricValue } from './metricValue';

const EXP_ACCURACY = /^Top1_Acc_Exp\/eval_phase\/(\w+)_stream\/Task(\d+)\/Exp(\d+)$/;

/** A matrix with its row and column labels. */
export interface LabelledMatrix {
  /** Index of the last trained experience of each row. */
  trainedOn: number[];
  /** Index of the evaluated experience of each column. */
  evaluatedOn: number[];
  /** values[i][j]: accuracy on `evaluatedOn[j]` after training on `trainedOn[i]` (null: not evaluated). */
  values: (number | null)[][];
}

/** Records the experience accuracies of each evaluation, keyed by the experiences trained so far. */
export class AccuracyMatrix {
  /** stream → row (trained experience) → column (evaluated experience) → accuracy. */
  private cells = new Map<string, Map<number, Map<number, number>>>();

  /** Records `value` if it is an experience accuracy measured after some training. */
  record(value: MetricValue, strategy: BaseStrategy): void {
    const m = EXP_ACCURACY.exec(value.name);
    if (!m || typeof value.value !== 'number') return;
    const trained = strategy.lastTrainedExperience;
    if (trained === null) return;
    const stream = m[1];
    const exp = Number(m[3]);
    const rows = this.cells.get(stream) ?? new Map<number, Map<number, number>>();
    this.cells.set(stream, rows);
    const row = rows.get(trained) ?? new Map<number, number>();
    rows.set(trained, row);
    row.set(exp, value.value);
  }

  /** The streams with recorded accuracies. */
  get streams(): string[] {
    return [...this.cells.keys()];
  }

  /** The matrix of a stream (default 'test'). */
  get(stream = 'test'): LabelledMatrix {
    const rows = this.cells.get(stream);
    if (!rows || rows.size === 0) {
      throw new Error(
        `accuracy matrix: no experience accuracy recorded for the ${stream} stream` +
          (this.cells.size ? ` (streams with values: ${this.streams.join(', ')})` : '; enable accuracyMetrics({ experience: true }) and evaluate after training'),
      );
    }
    const trainedOn = [...rows.keys()].sort((a, b) => a - b);
    const evaluatedOn = [...new Set([...rows.values()].flatMap((r) => [...r.keys()]))].sort((a, b) => a - b);
    const values = trainedOn.map((i) => evaluatedOn.map((j) => rows.get(i)!.get(j) ?? null));
    return { trainedOn, evaluatedOn, values };
  }

  /** Forgets everything. */
  clear(): void {
    this.cells.clear();
  }
}
