// Failures before a request is sent that retrying cannot mend, in words: TLS handshakes (Node
// reports OpenSSL codes on fetch's `cause`), and the ports fetch refuses outright.

const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

export function isTlsFailure(code: string | undefined): boolean {
  if (!code) return false;
  return (
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    code === 'EPROTO' ||
    UNTRUSTED.has(code) ||
    EXPIRED.has(code)
  );
}

/** What went wrong and what to do, for a TLS failure code (isTlsFailure). */
export function tlsFailureWords(code: string, url: string): { problem: string; hint: string } {
  if (UNTRUSTED.has(code))
    return {
      problem: `its certificate is not signed by a CA this machine trusts (${code})`,
      hint: 'Give the CA to Node with NODE_EXTRA_CA_CERTS=/path/to/ca.pem.',
    };
  if (EXPIRED.has(code))
    return {
      problem: `its certificate is expired or not yet valid (${code})`,
      hint: "Renew the instance's certificate, or check this machine's clock.",
    };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return {
      problem: `its certificate is for another host name (${code})`,
      hint: 'Use the host name the certificate names in --gitlab-url or GITLAB_URL.',
    };
  const plain = url.replace(/^https:/, 'http:');
  return {
    problem: `the TLS handshake failed (${code}): it may not speak HTTPS on that port`,
    hint: url.startsWith('https:')
      ? `If the instance serves plain HTTP there, give ${plain} (an address without a scheme is read as https://).`
      : 'Check the scheme and port of --gitlab-url or GITLAB_URL.',
  };
}

/**
 * fetch refuses ports reserved for other protocols (the Fetch standard's "bad port" list: 9, 25,
 * 6000 …) before connecting; undici says so only in the cause's message.
 */
export function isBlockedPort(error: unknown): boolean {
  return (error as { cause?: { message?: string } }).cause?.message === 'bad port';
}
