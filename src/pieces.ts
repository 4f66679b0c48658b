// Large text (a plan's JSON at 50,000 projects) made and written in pieces, a batch at a time, so
// no writer ever holds the whole as one string or one buffer.
import { createReadStream } from 'node:fs';
/** `pieces` joined into strings of about `size` characters; a piece is never split. */
export async function* batches(
  pieces: Iterable<string> | AsyncIterable<string>,
  size: number,
): AsyncGenerator<string> {
  let batch: string[] = [];
  let length = 0;
  for await (const piece of pieces) {
    batch.push(piece);
    length += piece.length;
    if (length >= size) {
      yield batch.join('');
      batch = [];
      length = 0;
    }
  }
  if (batch.length > 0) yield batch.join('');
}

/**
 * A text file read back in pieces that end at a line break (a secret to redact never spans two:
 * it holds no line break), for stdout to repeat a file just written.
 */
export async function* linesOf(path: string): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    const end = text.lastIndexOf('\n') + 1;
    if (end > 0) yield text.slice(0, end);
    rest = text.slice(end);
  }
  if (rest) yield rest;
}
