import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  BaseStrategy, CSVLogger, EvaluationPlugin, MetricValue, TensorboardLogger, TextLogger, accuracyMetrics, bwtMetrics,
  classAccuracyMetrics, confusionMatrixMetrics, cpuUsageMetrics, diskUsageMetrics, forgettingMetrics, lossMetrics,
  makeMiniBatch, ramUsageMetrics, timingMetrics, StrategyEvent,
} from 'avalanche-ts';
import { ready, tempDir } from './helpers';
import { decodeEventFile } from './eventFileDecoder';

/** A scripted strategy: enough state for the metrics, driven event by event. */
class FakeStrategy {
  isTraining = true;
  experience: unknown = null;
  mbatch: ReturnType<typeof makeMiniBatch> | null = null;
  mbOutput: tf.Tensor | null = null;
  loss: tf.Scalar | null = null;
  epoch = 0;
  lastTrainedExperience: number | null = null;
  dataloader = { length: 2 };
  clock = { trainIterations: 0 };
  constructor(readonly plugin: EvaluationPlugin) {}

  get mbY() {
    return this.mbatch![1];
  }

  /** Fires an event and waits for the plugin (values are read from the device asynchronously). */
  async fire(event: StrategyEvent) {
    await (this.plugin as unknown as Record<string, (s: unknown) => unknown>)[event](this);
  }

  setExperience(index: number, stream: 'train' | 'test', task = 0) {
    this.experience = { currentExperience: index, originStream: { name: stream }, taskLabels: [task], taskLabel: task };
  }

  /** A batch with targets `y`, predicted classes `pred` (logits one-hot), loss `loss`. */
  batch(y: number[], pred: number[], loss: number, numClasses = 4, tasks?: number[]) {
    const logits = new Float32Array(y.length * numClasses);
    pred.forEach((p, i) => (logits[i * numClasses + p] = 5));
    this.mbatch = makeMiniBatch(new Float32Array(y.length), [y.length, 1], Int32Array.from(y), Int32Array.from(tasks ?? y.map(() => 0)));
    this.mbOutput = tf.tensor2d(logits, [y.length, numClasses]);
    this.loss = tf.scalar(loss);
  }

  async trainIteration(y: number[], pred: number[], loss: number) {
    await this.fire('beforeTrainingIteration');
    this.batch(y, pred, loss);
    this.clock.trainIterations += 1;
    await this.fire('afterTrainingIteration');
  }

  async evalExperience(index: number, y: number[], pred: number[], loss = 1, numClasses = 4) {
    this.setExperience(index, 'test');
    await this.fire('beforeEvalExp');
    await this.fire('beforeEvalIteration');
    this.batch(y, pred, loss, numClasses);
    await this.fire('afterEvalIteration');
    await this.fire('afterEvalExp');
  }

  async trainExperience(index: number) {
    this.isTraining = true;
    this.setExperience(index, 'train');
    await this.fire('beforeTraining');
    await this.fire('beforeTrainingExp');
    await this.fire('beforeTrainingEpoch');
    await this.trainIteration([0, 1], [0, 1], 0.5);
    await this.fire('afterTrainingEpoch');
    this.lastTrainedExperience = index;
    await this.fire('afterTrainingExp');
    await this.fire('afterTraining');
  }
}

const last = (p: EvaluationPlugin) => p.getLastMetrics();
const close = (a: unknown, b: number, what = '') => assert.ok(Math.abs((a as number) - b) < 1e-6, `${what}: ${a} vs ${b}`);

test('accuracy and loss: minibatch, running and epoch values on fixed predictions', async () => {
  await ready();
  const plugin = new EvaluationPlugin(accuracyMetrics({ minibatch: true, epoch: true, epochRunning: true }), lossMetrics({ minibatch: true, epoch: true, epochRunning: true }));
  const s = new FakeStrategy(plugin);
  s.setExperience(0, 'train');
  await s.fire('beforeTraining');
  await s.fire('beforeTrainingExp');
  await s.fire('beforeTrainingEpoch');
  await s.trainIteration([0, 1, 2, 3], [0, 1, 0, 0], 2.0); // 2/4 correct
  close(last(plugin)['Top1_Acc_MB/train_phase/train_stream/Task000'], 0.5, 'MB acc 1');
  close(last(plugin)['Top1_RunningAcc_Epoch/train_phase/train_stream/Task000'], 0.5);
  await s.trainIteration([1, 1], [1, 1], 0.5); // 2/2 correct
  const r = last(plugin);
  close(r['Top1_Acc_MB/train_phase/train_stream/Task000'], 1, 'MB acc 2');
  close(r['Top1_RunningAcc_Epoch/train_phase/train_stream/Task000'], 4 / 6, 'running acc');
  close(r['Loss_MB/train_phase/train_stream/Task000'], 0.5);
  close(r['RunningLoss_Epoch/train_phase/train_stream/Task000'], (2 * 4 + 0.5 * 2) / 6, 'running loss');
  await s.fire('afterTrainingEpoch');
  close(last(plugin)['Top1_Acc_Epoch/train_phase/train_stream/Task000'], 4 / 6);
  close(last(plugin)['Loss_Epoch/train_phase/train_stream/Task000'], 9 / 6);
  assert.deepEqual(plugin.getAllMetrics()['Top1_Acc_MB/train_phase/train_stream/Task000'], { x: [1, 2], values: [0.5, 1], trainedExperience: [null, null] });
});

test('minibatch metrics read the device once per batch, however many there are', async () => {
  await ready();
  const plugin = new EvaluationPlugin(
    accuracyMetrics({ minibatch: true, epochRunning: true }), lossMetrics({ minibatch: true, epochRunning: true }),
    classAccuracyMetrics({ minibatch: true }), timingMetrics({ minibatch: true }),
  );
  const s = new FakeStrategy(plugin);
  s.setExperience(0, 'train');
  await s.fire('beforeTrainingEpoch');
  const proto = tf.Tensor.prototype as unknown as { dataSync: () => unknown; data: () => unknown };
  const originals = { dataSync: proto.dataSync, data: proto.data };
  let reads = 0;
  proto.dataSync = function (this: tf.Tensor) {
    reads += 1;
    return originals.dataSync.call(this);
  };
  proto.data = function (this: tf.Tensor) {
    reads += 1;
    return originals.data.call(this);
  };
  try {
    await s.fire('beforeTrainingIteration');
    s.batch([0, 1, 2], [0, 2, 2], 1);
    reads = 0;
    await s.fire('afterTrainingIteration');
  } finally {
    proto.dataSync = originals.dataSync;
    proto.data = originals.data;
  }
  assert.equal(reads, 1);
  close(last(plugin)['Top1_ClassAcc_MB/train_phase/train_stream/Task000/2'], 1);
  close(last(plugin)['Top1_ClassAcc_MB/train_phase/train_stream/Task000/1'], 0);
});

test('accuracy per task label; experience and stream accuracy; trained-experience accuracy; accuracy matrix', async () => {
  await ready();
  const plugin = new EvaluationPlugin(accuracyMetrics({ experience: true, stream: true, trainedExperience: true }));
  const s = new FakeStrategy(plugin);
  await s.trainExperience(0);
  s.isTraining = false;
  await s.fire('beforeEval');
  await s.evalExperience(0, [0, 1, 2, 3], [0, 1, 2, 0]); // 0.75
  await s.evalExperience(1, [0, 1], [1, 0]); // 0
  await s.fire('afterEval');
  let r = last(plugin);
  close(r['Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp000'], 0.75);
  close(r['Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp001'], 0);
  close(r['Top1_Acc_Stream/eval_phase/test_stream/Task000'], 3 / 6);
  close(r['Accuracy_On_Trained_Experiences/eval_phase/test_stream/Task000'], 0.75, 'only experience 0 was trained');
  await s.trainExperience(1);
  s.isTraining = false;
  await s.fire('beforeEval');
  await s.evalExperience(0, [0, 1], [0, 0]);
  await s.evalExperience(1, [0, 1], [0, 1]);
  await s.fire('afterEval');
  r = last(plugin);
  close(r['Accuracy_On_Trained_Experiences/eval_phase/test_stream/Task000'], 3 / 4);
  assert.deepEqual(plugin.accuracyMatrix.get(), { trainedOn: [0, 1], evaluatedOn: [0, 1], values: [[0.75, 0], [0.5, 1]] });
  assert.throws(() => plugin.accuracyMatrix.get('train'), /no experience accuracy recorded for the train stream \(streams with values: test\)/);

  // Mixed task labels in one batch: split by task.
  const multi = new EvaluationPlugin(accuracyMetrics({ experience: true }));
  const m = new FakeStrategy(multi);
  m.isTraining = false;
  m.setExperience(0, 'test');
  await m.fire('beforeEvalExp');
  m.batch([0, 1, 2, 3], [0, 1, 2, 0], 1, 4, [0, 0, 1, 1]);
  await m.fire('afterEvalIteration');
  await m.fire('afterEvalExp');
  close(last(multi)['Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp000'], 1);
  close(last(multi)['Top1_Acc_Exp/eval_phase/test_stream/Task001/Exp000'], 0.5);
});

test('forgetting and BWT from a known accuracy sequence', async () => {
  await ready();
  const plugin = new EvaluationPlugin(forgettingMetrics({ experience: true, stream: true }), bwtMetrics({ experience: true, stream: true }));
  const s = new FakeStrategy(plugin);
  const evalAll = async (accs: number[][]) => {
    s.isTraining = false;
    await s.fire('beforeEval');
    for (const [e, [correct, total]] of accs.entries()) {
      const y = Array.from({ length: total }, () => 0);
      await s.evalExperience(e, y, y.map((_, i) => (i < correct ? 0 : 1)));
    }
    await s.fire('afterEval');
  };
  await s.trainExperience(0);
  await evalAll([[4, 4], [1, 4], [0, 4]]); // exp0 initial 1.0
  let r = last(plugin);
  assert.ok(!('ExperienceForgetting/eval_phase/test_stream/Task000/Exp000' in r), 'no forgetting for the experience just trained');
  close(r['StreamForgetting/eval_phase/test_stream'], 0);
  await s.trainExperience(1);
  await evalAll([[2, 4], [3, 4], [0, 4]]); // exp0 now 0.5; exp1 initial 0.75
  r = last(plugin);
  close(r['ExperienceForgetting/eval_phase/test_stream/Task000/Exp000'], 0.5);
  close(r['StreamForgetting/eval_phase/test_stream'], 0.5);
  close(r['ExperienceBWT/eval_phase/test_stream/Task000/Exp000'], -0.5);
  await s.trainExperience(2);
  await evalAll([[1, 4], [2, 4], [4, 4]]);
  r = last(plugin);
  close(r['ExperienceForgetting/eval_phase/test_stream/Task000/Exp000'], 0.75);
  close(r['ExperienceForgetting/eval_phase/test_stream/Task000/Exp001'], 0.25);
  close(r['StreamForgetting/eval_phase/test_stream'], 0.5);
  close(r['StreamBWT/eval_phase/test_stream'], -0.5);
  assert.ok(!('ExperienceForgetting/eval_phase/test_stream/Task000/Exp002' in r));
});

test('confusion matrix of fixed predictions, raw and normalised; class names', async () => {
  await ready();
  const raw = new EvaluationPlugin(confusionMatrixMetrics({ numClasses: 3, stream: true }));
  const norm = new EvaluationPlugin(confusionMatrixMetrics({ numClasses: 3, stream: true, normalize: 'true', classNames: ['a', 'b', 'c'] }));
  for (const plugin of [raw, norm]) {
    const s = new FakeStrategy(plugin);
    s.isTraining = false;
    await s.fire('beforeEval');
    await s.evalExperience(0, [0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 1, 3);
    await s.evalExperience(1, [1], [1], 1, 3);
    await s.fire('afterEval');
  }
  const name = 'ConfusionMatrix_Stream/eval_phase/test_stream';
  assert.deepEqual(last(raw)[name], [[1, 1, 0], [0, 2, 0], [1, 0, 2]]);
  const n = last(norm)[name] as number[][];
  assert.deepEqual(n.map((row) => row.map((v) => +v.toFixed(4))), [[0.5, 0.5, 0], [0, 1, 0], [0.3333, 0, 0.6667]]);
});

test('timing, CPU, RAM and disk usage metrics measure real quantities', async () => {
  await ready();
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'a.bin'), Buffer.alloc(3072));
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', 'b.bin'), Buffer.alloc(1024));
  const plugin = new EvaluationPlugin(
    timingMetrics({ epoch: true, epochRunning: true, experience: true }), cpuUsageMetrics({ epoch: true }),
    ramUsageMetrics({ epoch: true }), diskUsageMetrics({ epoch: true, pathsToMonitor: dir }),
  );
  const s = new FakeStrategy(plugin);
  s.setExperience(0, 'train');
  await s.fire('beforeTrainingEpoch');
  const t0 = Date.now();
  while (Date.now() - t0 < 60) Math.sqrt(Math.random()); // busy: CPU near 100%
  await s.trainIteration([0], [0], 1);
  await s.fire('afterTrainingEpoch');
  const r = last(plugin);
  const time = r['Time_Epoch/train_phase/train_stream/Task000'] as number;
  assert.ok(time >= 0.055 && time < 5, `epoch time ${time}`);
  // One iteration: the running time per iteration (emitted after it) is the epoch time up to then.
  const running = r['RunningTime_Epoch/train_phase/train_stream/Task000'] as number;
  assert.ok(running >= 0.055 && running <= time, `running time ${running} vs epoch ${time}`);
  const cpu = r['CPUUsage_Epoch/train_phase/train_stream/Task000'] as number;
  assert.ok(cpu > 50 && cpu < 250, `cpu ${cpu}%`);
  const ram = r['MaxRAMUsage_Epoch/train_phase/train_stream/Task000'] as number;
  assert.ok(ram > 20 && ram < 24000, `ram ${ram} MB`);
  close(r['DiskUsage_Epoch/train_phase/train_stream/Task000'], 4, 'KB of the watched folder');
});

test('TextLogger appends to its file, never truncates', async () => {
  await ready();
  const file = path.join(tempDir(), 'log.txt');
  fs.writeFileSync(file, 'previous run\n');
  const run = async () => {
    const plugin = new EvaluationPlugin(accuracyMetrics({ epoch: true }), { loggers: [new TextLogger(file)] });
    const s = new FakeStrategy(plugin);
    await s.trainExperience(0);
  };
  await run();
  const first = fs.readFileSync(file, 'utf8');
  assert.ok(first.startsWith('previous run\n-- >> Start of training phase << --\n'));
  assert.match(first, /Epoch 0 ended\.\n\tTop1_Acc_Epoch\/train_phase\/train_stream\/Task000 = 1\n/);
  await run();
  const second = fs.readFileSync(file, 'utf8');
  assert.ok(second.startsWith(first) && second.length > first.length);
  assert.throws(() => new TextLogger(path.join(file, 'inside-a-file.txt')), /TextLogger: cannot open '.*inside-a-file.txt' for appending \(ENOTDIR\)/);
});

test('CSVLogger writes Avalanche\'s two files, appending, one header', async () => {
  await ready();
  const folder = path.join(tempDir(), 'csv');
  const run = async () => {
    const plugin = new EvaluationPlugin(accuracyMetrics({ epoch: true, experience: true }), lossMetrics({ epoch: true, experience: true }), forgettingMetrics({ experience: true }), { loggers: [new CSVLogger(folder)] });
    const s = new FakeStrategy(plugin);
    await s.trainExperience(0);
    s.isTraining = false;
    await s.fire('beforeEval');
    await s.evalExperience(0, [0, 1], [0, 0], 0.25);
    await s.fire('afterEval');
  };
  await run();
  await run();
  const training = fs.readFileSync(path.join(folder, 'training_results.csv'), 'utf8').trim().split('\n');
  const evalRows = fs.readFileSync(path.join(folder, 'eval_results.csv'), 'utf8').trim().split('\n');
  assert.deepEqual(training, ['training_exp,epoch,training_accuracy,val_accuracy,training_loss,val_loss', '0,0,1.0000,0.0000,0.5000,0.0000', '0,0,1.0000,0.0000,0.5000,0.0000']);
  assert.deepEqual(evalRows, ['eval_exp,training_exp,eval_accuracy,eval_loss,forward_transfer,forgetting', '0,0,0.5000,0.2500,0.0000,0.0000', '0,0,0.5000,0.2500,0.0000,0.0000']);
});

test('TensorboardLogger writes an event file an independent decoder reads back (framing, both CRCs, tags, steps, values, image)', async () => {
  await ready();
  const logDir = path.join(tempDir(), 'tb');
  const tb = new TensorboardLogger({ logDir });
  const plugin = new EvaluationPlugin(accuracyMetrics({ minibatch: true }), confusionMatrixMetrics({ numClasses: 4, stream: true }), { loggers: [tb] });
  const s = new FakeStrategy(plugin);
  s.setExperience(0, 'train');
  await s.trainIteration([0, 1], [0, 0], 1);
  await s.trainIteration([0, 1], [0, 1], 1);
  s.isTraining = false;
  await s.fire('beforeEval');
  await s.evalExperience(0, [0, 1, 2, 3], [0, 1, 2, 2]);
  await s.fire('afterEval');
  tb.close();
  const files = fs.readdirSync(logDir);
  assert.equal(files.length, 1);
  assert.match(files[0], /^events\.out\.tfevents\.\d+\./);
  const events = decodeEventFile(fs.readFileSync(path.join(logDir, files[0])));
  assert.equal(events[0].fileVersion, 'brain.Event:2');
  const scalars = events.filter((e) => e.simpleValue !== undefined).map((e) => [e.tag, e.step, +e.simpleValue!.toFixed(4)]);
  assert.deepEqual(scalars, [['Top1_Acc_MB/train_phase/train_stream/Task000', 1, 0.5], ['Top1_Acc_MB/train_phase/train_stream/Task000', 2, 1]]);
  const image = events.find((e) => e.image)!;
  assert.equal(image.tag, 'ConfusionMatrix_Stream/eval_phase/test_stream');
  assert.equal(image.step, 2);
  assert.deepEqual([image.image!.width, image.image!.height], [65, 65]);
  assert.deepEqual([...image.image!.png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
  assert.throws(() => new TensorboardLogger({ logDir: path.join(logDir, files[0], 'x') }), /TensorboardLogger: cannot write in logDir/);
});

test('TensorboardLogger writes every value with its step, 0, negative, NaN and Inf included (each field present on the wire)', async () => {
  const logDir = path.join(tempDir(), 'tb');
  const tb = new TensorboardLogger({ logDir });
  const values = [0, 0.25, -1.5, NaN, Infinity, -Infinity, 0];
  values.forEach((value, step) => tb.logSingleMetric({ name: 'StreamForgetting/eval_phase/test_stream', value, xPlot: step }));
  tb.close();
  const events = decodeEventFile(fs.readFileSync(path.join(logDir, fs.readdirSync(logDir)[0])));
  const scalars = events.filter((e) => e.tag === 'StreamForgetting/eval_phase/test_stream');
  assert.equal(scalars.length, values.length);
  scalars.forEach((e, i) => {
    assert.equal(e.step ?? 0, i);
    assert.ok(e.simpleValue !== undefined, `value ${values[i]} at step ${i} was written with no simple_value field`);
    if (Number.isNaN(values[i])) assert.ok(Number.isNaN(e.simpleValue));
    else assert.equal(e.simpleValue, values[i]);
  });
});

test('bad metric options are clear errors', () => {
  assert.throws(() => confusionMatrixMetrics({ stream: true } as never), /confusionMatrixMetrics: numClasses is required/);
  assert.throws(() => accuracyMetrics({}), /accuracyMetrics: the options select no metric; set at least one of minibatch: true/);
  assert.throws(() => lossMetrics({ minibatch: false }), /lossMetrics: the options select no metric/);
  assert.throws(() => forgettingMetrics(), /forgettingMetrics: the options select no metric; set at least one of experience: true, stream: true/);
  assert.throws(() => accuracyMetrics({ epochs: true } as never), /accuracyMetrics: unknown option 'epochs'; allowed options: minibatch, epoch, epochRunning, experience, stream, trainedExperience/);
  assert.throws(() => ramUsageMetrics({ epochRunning: true } as never), /ramUsageMetrics: unknown option 'epochRunning'/);
  assert.throws(() => diskUsageMetrics({ epoch: true, pathsToMonitor: '/no/such/folder' }), /pathsToMonitor entry "\/no\/such\/folder" does not exist/);
  assert.throws(() => confusionMatrixMetrics({ numClasses: 3, stream: true, classNames: ['a'] }), /classNames has 1 names, numClasses is 3/);
  assert.throws(() => new EvaluationPlugin(accuracyMetrics({ epoch: true }), { loggers: [] , log: 1 } as never), /EvaluationPlugin: unknown option 'log'/);
});

test('a confusion matrix smaller than the labels seen fails with a clear error', async () => {
  await ready();
  const plugin = new EvaluationPlugin(confusionMatrixMetrics({ numClasses: 3, stream: true }));
  const s = new FakeStrategy(plugin);
  s.isTraining = false;
  await s.fire('beforeEval');
  await assert.rejects(s.evalExperience(0, [0, 5], [0, 1], 1, 3), /numClasses is 3 but a target of class 5 was seen/);
  await assert.rejects(s.evalExperience(0, [0, 1], [0, 1], 1, 6), /numClasses is 3 but the model predicts 6 classes/);
});

test('the values of a real run are the ones loggers get', async () => {
  await ready();
  const got: MetricValue[] = [];
  const plugin = new EvaluationPlugin(accuracyMetrics({ epoch: true }), { loggers: [{ logSingleMetric: (v: MetricValue) => got.push(v) }] });
  const s = new FakeStrategy(plugin);
  await s.trainExperience(0);
  assert.deepEqual(got.map((v) => v.name), ['Top1_Acc_Epoch/train_phase/train_stream/Task000']);
  assert.equal(typeof (plugin as unknown as BaseStrategy), 'object');
});
