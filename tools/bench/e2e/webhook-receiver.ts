// Starts the bench's webhook receiver as a process of its own (webhook-receiver.main.ts), so its
// answers do not wait for the bench process, which drives the load and reads the topics. Each
// webhook is reported as its line arrives.
import { processExited, startScriptProcess } from '@ki/testing';
import readline from 'node:readline';

export interface ReceiverProcess {
  url: string;
  pid: number;
  close(): Promise<void>;
}

/** `received` is called with the opening id of each webhook and when it arrived (epoch ms). */
export async function startReceiverProcess(received: (id: string, at: number) => void): Promise<ReceiverProcess> {
  const child = startScriptProcess('tools/bench/e2e/webhook-receiver.main.ts', {}, { capture: true });
  if (!child.stdout) throw new Error('the webhook receiver was started without a stdout to read');
  const lines = readline.createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the webhook receiver exited with ${code} before listening`)));
    lines.on('line', (line) => {
      const [first, second] = line.split(' ');
      if (first === 'listening') return resolve(second);
      received(second, Number(first));
    });
  });
  return {
    url,
    pid: child.pid as number,
    async close() {
      child.kill('SIGTERM');
      await processExited(child);
    },
  };
}
