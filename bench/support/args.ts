import type { WaitMode } from '../../contracts/polling';

/** A minimal `--name value` / `--name=value` / `--flag` parser for the benchmark commands. */
export class Args {
  private readonly values = new Map<string, string>();

  constructor(argv: string[] = process.argv.slice(2)) {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (!arg.startsWith('--'))
        throw new Error(`unexpected argument ${arg} (options look like --name value)`);
      const eq = arg.indexOf('=');
      if (eq > 0) {
        this.values.set(arg.slice(2, eq), arg.slice(eq + 1));
      } else {
        const next = argv[i + 1];
        if (next === undefined || next.startsWith('--')) this.values.set(arg.slice(2), 'true');
        else this.values.set(arg.slice(2), (i++, next));
      }
    }
  }

  /** Fails on options the command does not know (a typo would otherwise silently run the defaults). */
  only(known: string[]): this {
    const unknown = [...this.values.keys()].filter((k) => !known.includes(k));
    if (unknown.length > 0) {
      throw new Error(
        `unknown option(s) ${unknown.map((k) => `--${k}`).join(', ')}; known: ${known.map((k) => `--${k}`).join(' ')}`,
      );
    }
    return this;
  }

  str(name: string, fallback: string): string {
    return this.values.get(name) ?? fallback;
  }

  num(name: string, fallback: number): number {
    const raw = this.values.get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${raw}`);
    return n;
  }

  list(name: string, fallback: string): string[] {
    return this.str(name, fallback)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }

  nums(name: string, fallback: string): number[] {
    return this.list(name, fallback).map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} takes positive integers, got ${s}`);
      return n;
    });
  }

  flag(name: string): boolean {
    const v = this.values.get(name);
    return v !== undefined && v !== 'false' && v !== '0';
  }
}

/** 'poll' or 'webhook', the product's two ways of waiting for HeyGen jobs. */
export function waitMode(value: string): WaitMode {
  if (value !== 'poll' && value !== 'webhook')
    throw new Error(`wait mode must be poll or webhook, not ${value}`);
  return value;
}
