/**
 * serve-classifier's worker thread: loads the model once, then answers one request per task with
 * the JSON text of its replies. Exported as a promise of the task function, so piscina sends no
 * task to a worker before its model is loaded (piscina README, "Delaying Availability of Workers").
 *
 * A request arrives as its raw body (moved here, not copied) and is parsed here: JSON.parse and the
 * strings it makes cost about 3 ms per MB of text, work that would otherwise sit on the server's
 * one event loop, followed by a structured clone of every text to the worker.
 */
import { workerData } from 'piscina';
import { type ClassifierSpec, type ClassifierTask, type TaskReply, parseInputs } from './classifier-pool.js';
import { loadClassifier } from './embedded.js';
import { batchReplier } from './replies.js';
import { bufferView } from '../../io/bytes.js';

const spec = workerData as ClassifierSpec;

export default (async (): Promise<(task: ClassifierTask) => TaskReply> => {
  const classifier = await loadClassifier(spec.file, spec.preprocess, spec.runtime);
  const reply = batchReplier(classifier, spec.labels);
  return (task) => {
    if ('texts' in task) return { ok: true, reply: reply(task.texts), single: false };
    const inputs = parseInputs(bufferView(task.body).toString('utf8'));
    if (!inputs.ok) return inputs;
    return { ok: true, reply: reply(inputs.texts), single: inputs.single };
  };
})();
