// Starts the bench's webhook receiver as a process of its own (webhook-receiver.main.ts), so its
// answers do not wait for the bench process, which drives the load and reads the topics.
import { processExited, startScriptProcess } from '@ki/testing';
import readline from 'node:readline';

export interface ReceiverProcess {
  url: string;
  /** When each webhook arrived (epoch ms), by opening id, in the order they arrived. */
  requests: { id: string; at: number }[];
  close(): Promise<void>;
}

export async function startReceiverProcess(): Promise<ReceiverProcess> {
  const child = startScriptProcess('tools/bench/e2e/webhook-receiver.main.ts', {}, { capture: true });
  const requests: ReceiverProcess['requests'] = [];
  if (!child.stdout) throw new Error('the webhook receiver was started without a stdout to read');
  const lines = readline.createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the webhook receiver exited with ${code} before listening`)));
    lines.on('line', (line) => {
      const [first, second] = line.split(' ');
      if (first === 'listening') return resolve(second);
      requests.push({ at: Number(first), id: second });
    });
  });
  return {
    url,
    requests,
    async close() {
      child.kill('SIGTERM');
      await processExited(child);
    },
  };
}
