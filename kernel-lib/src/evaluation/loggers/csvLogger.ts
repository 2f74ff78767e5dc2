/**
 * `CSVLogger`, as Avalanche's: `training_results.csv` (a row per training epoch) and
 * `eval_results.csv` (a row per evaluated experience) in a folder. Files are appended to, never
 * truncated; the header is written when a file is new.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { BaseStrategy } from '../../training/template';
import type { MetricValue } from '../metricValue';
import { experienceTask } from '../metricValue';
import type { OpenedLogTarget, StrategyLogger } from './logger';
import { openLogTarget } from './logger';

const TRAINING_HEADER = 'training_exp,epoch,training_accuracy,val_accuracy,training_loss,val_loss';
const EVAL_HEADER = 'eval_exp,training_exp,eval_accuracy,eval_loss,forward_transfer,forgetting';

/** Writes Avalanche's two CSV files. */
export class CSVLogger implements StrategyLogger {
  readonly folder: string;
  private readonly writeTraining: (text: string) => void;
  private readonly writeEval: (text: string) => void;
  private values = new Map<string, MetricValue>();
  private readonly targets: OpenedLogTarget[];

  /** @param folder where the files go (default `csvlogs`, as Avalanche); created if missing. */
  constructor(folder = 'csvlogs') {
    try {
      fs.mkdirSync(folder, { recursive: true });
    } catch (error) {
      throw new Error(`CSVLogger: cannot create folder '${folder}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    this.folder = folder;
    const open = (name: string, header: string) => {
      const file = path.join(folder, name);
      const isNew = !fs.existsSync(file) || fs.statSync(file).size === 0;
      const target = openLogTarget('CSVLogger', file);
      if (isNew) target.write(`${header}\n`);
      return target;
    };
    this.targets = [open('training_results.csv', TRAINING_HEADER), open('eval_results.csv', EVAL_HEADER)];
    [this.writeTraining, this.writeEval] = this.targets.map((t) => t.write);
  }

  /** Closes the two files. */
  close(): void {
    for (const target of this.targets) target.close();
  }

  logSingleMetric(value: MetricValue): void {
    this.values.set(value.name, value);
  }

  private get(prefix: string, strategy: BaseStrategy, withExp: boolean): string {
    const exp = strategy.experience!;
    const task = experienceTask(strategy);
    const phase = strategy.isTraining ? 'train' : 'eval';
    let name = `${prefix}/${phase}_phase/${exp.originStream.name}_stream/Task${String(task).padStart(3, '0')}`;
    if (withExp) name += `/Exp${String(exp.currentExperience).padStart(3, '0')}`;
    const v = this.values.get(name)?.value;
    return typeof v === 'number' ? v.toFixed(4) : '0.0000';
  }

  afterTrainingEpoch(strategy: BaseStrategy): void {
    const exp = strategy.experience!.currentExperience;
    this.writeTraining(
      `${exp},${strategy.epoch},${this.get('Top1_Acc_Epoch', strategy, false)},0.0000,${this.get('Loss_Epoch', strategy, false)},0.0000\n`,
    );
  }

  afterEvalExp(strategy: BaseStrategy): void {
    const exp = strategy.experience!.currentExperience;
    const trained = strategy.lastTrainedExperience ?? -1;
    this.writeEval(
      `${exp},${trained},${this.get('Top1_Acc_Exp', strategy, true)},${this.get('Loss_Exp', strategy, true)},` +
        `${this.get('ExperienceForwardTransfer', strategy, true)},${this.get('ExperienceForgetting', strategy, true)}\n`,
    );
  }
}
