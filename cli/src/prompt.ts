/** Reading a secret from the terminal (not echoed) or from a pipe, bounded. */
import { usageError } from './errors';

/** All of stdin, at most `max` bytes. */
export async function readStdin(max: number, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > max) throw usageError(`${what}: more than ${max} bytes on stdin`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One line typed at the terminal without echo (Enter ends it, Ctrl-C cancels). */
export function readHidden(prompt: string, max: number): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (error: Error | null): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(text);
    };
    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') return done(null);
        if (char === '\u0003') return done(usageError('cancelled'));
        if (char === '\u007f' || char === '\b') text = text.slice(0, -1);
        else if (text.length < max) text += char;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
