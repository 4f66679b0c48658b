// Secrets (GitLab and agent tokens) must never reach stdout, stderr, files or logs. Every
// secret the process learns is registered here, and every line we print passes through redact().
const secrets = new Set<string>();

export function registerSecret(value: string | undefined | null): void {
  // Very short values would redact ordinary words; real tokens are long.
  if (value != null && value.length >= 8) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[REDACTED]');
  return out;
}
