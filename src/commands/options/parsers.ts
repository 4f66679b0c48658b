// How commander reads a flag's value: whole numbers, ports and repeatable flags. A bad value is
// refused by commander itself, before any command runs.
import { InvalidArgumentError } from 'commander';

export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${name} must be a whole number of at least 1.`);
    return n;
  };
}

export function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a whole number (0 or more).`);
    return n;
  };
}

export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('the port must be 0-65535 (0 picks a free one).');
  return n;
}

/** A repeatable flag: every value given, in order. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];
