// Large text (a plan's JSON at 50,000 projects) kept as pieces and written a batch at a time,
// so no writer ever holds the whole as one string or one buffer.
/** `pieces` joined into strings of about `size` characters; a piece is never split. */
export function* batches(pieces: readonly string[], size: number): Generator<string> {
  let batch: string[] = [];
  let length = 0;
  for (const piece of pieces) {
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
