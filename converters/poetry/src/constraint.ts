// Poetry version constraints (`^1.2`, `~1.2`, `>=1,<2 || ^3`, `*`) translated to PEP 440 specifier sets, so
// that a tested PEP 440 implementation decides which locked version a dependency edge means.

import { satisfies } from '@renovatebot/pep440';

function bump(parts: number[], at: number): string {
  const out = parts.slice(0, at + 1);
  out[at] = (out[at] ?? 0) + 1;
  return out.join('.');
}

function one(term: string): string[] {
  const t = term.trim();
  if (t === '' || t === '*') return [];
  const caret = /^\^\s*(\d+(?:\.\d+)*)(.*)$/.exec(t);
  if (caret) {
    const parts = caret[1]!.split('.').map(Number);
    let at = parts.findIndex((x) => x !== 0);
    if (at < 0) at = parts.length - 1;
    return [`>=${caret[1]}${caret[2]}`, `<${bump(parts, at)}`];
  }
  const tilde = /^~(?!=)\s*(\d+(?:\.\d+)*)(.*)$/.exec(t);
  if (tilde) {
    const parts = tilde[1]!.split('.').map(Number);
    return [`>=${tilde[1]}${tilde[2]}`, `<${bump(parts, parts.length === 1 ? 0 : 1)}`];
  }
  if (/^\d/.test(t)) return [`==${t}`];
  return [t.replace(/^(===|==|!=|<=|>=|~=|<|>)\s*/, '$1')];
}

/** PEP 440 specifier sets, one per `||` alternative; `[""]` means any version. */
export function poetryToPep440(constraint: string): string[] {
  return constraint.split('||').map((alt) =>
    alt
      .split(/\s*,\s*|\s+(?=[<>=!~^\d])/)
      .flatMap(one)
      .join(','),
  );
}

/** Does `version` satisfy a Poetry or PEP 440 constraint? Unknown syntax counts as satisfied. */
export function satisfiesConstraint(version: string, constraint: string): boolean {
  return poetryToPep440(constraint).some((spec) => {
    if (spec === '') return true;
    try {
      return satisfies(version, spec);
    } catch {
      return true;
    }
  });
}
