import { InvalidArgumentError, Option } from 'commander';

/**
 * Parsers of option values, for commander's argParser: a bad value is refused before the command runs, as one line
 * naming the option (`error: option '--limit <n>' argument 'abc' is invalid. a whole number from 1 to 10000`), exit 2.
 */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value.trim());
    if (!/^\s*-?\d+\s*$/.test(value) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

/** `--limit <n>`: how many rows at most, newest first unless the command says otherwise. */
export function limitOption(description: string, fallback: number, max = 10_000): Option {
  return new Option('--limit <n>', description).argParser(wholeNumber(1, max)).default(fallback);
}
