/**
 * The experiment the sweep tests run in workers: a short, seeded training of the tutorial's MLP on
 * the first SplitMNIST experience. `config.sleepMs` makes a run last (to kill its worker mid-run);
 * `config.fail` makes it throw.
 */
import { CrossEntropyLoss, EvaluationPlugin, Naive, SGD, SimpleMLP, SplitMNIST, accuracyMetrics } from 'avalanche-ts';

export async function run(config: Record<string, unknown>, seed: number): Promise<Record<string, unknown>> {
  if (config.fail) throw new Error(`configured to fail (seed ${seed})`);
  const b = await SplitMNIST({ nExperiences: 5, seed, source: 'bundled' });
  const model = new SimpleMLP({ seed });
  const evaluator = new EvaluationPlugin(accuracyMetrics({ stream: true }));
  const s = new Naive(model, new SGD({ lr: config.lr as number, momentum: 0.9 }), new CrossEntropyLoss(), { trainMbSize: 200, evalMbSize: 1000, seed, evaluator });
  await s.train(b.trainStream[0]);
  await s.eval(b.testStream.slice(0, 2));
  if (config.sleepMs) await new Promise((resolve) => setTimeout(resolve, config.sleepMs as number));
  s.dispose();
  model.dispose();
  return { ...evaluator.getAllMetrics(), nan: NaN };
}
