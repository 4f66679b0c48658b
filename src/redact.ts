// Secrets (GitLab and agent tokens, kubeconfig credentials) must never reach stdout, stderr, files
// or logs. Every secret the process learns is registered here, and every line we print passes
// through redact().
const secrets = new Set<string>();

export function registerSecret(value: string | undefined | null): void {
  // Very short values would redact ordinary words; real tokens are long.
  if (value != null && value.length >= 8) secrets.add(value);
}

/**
 * Credentials in HTTP header form, whoever made them: an API server or proxy that echoes the
 * request's headers in an error body shows `Authorization: Bearer <token>` (or, as Go's
 * http.Header prints, `"Authorization":["Bearer <token>"]`). A credential this process never saw
 * registered (one an exec plugin or auth provider made outside the kube clients) is hidden by
 * where it stands: after `Authorization`, a separator and a registered scheme. (`[` starts no credential:
 * what an earlier secret became, [REDACTED], stays as it is.)
 */
// Only the schemes of the IANA HTTP Authentication Scheme Registry (and GitLab's `Token`) count:
// with any word allowed, prose such as "instance authorization: off\n\nAgent …" lost its next word.
// NOTE: https://www.iana.org/assignments/http-authschemes/http-authschemes.xhtml
const SCHEMES =
  'basic|bearer|concealed|digest|dpop|gnap|hoba|mutual|negotiate|ntlm|oauth|privatetoken|scram-sha-1|scram-sha-256|token|vapid|aws4-hmac-sha256';
const AUTHORIZATION_HEADER = new RegExp(
  `(authorization\\W{0,6}(?:${SCHEMES})[ \\t]+)([^\\s"',;[\\]}]+)`,
  'gi',
);

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[REDACTED]');
  return out.replace(AUTHORIZATION_HEADER, '$1[REDACTED]');
}
