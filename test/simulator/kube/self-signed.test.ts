// The simulator's HTTPS certificate must be valid DER every time, not 127 times in 128.
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../../src/simulator/kube/self-signed.js';

describe('selfSignedCertificate', () => {
  it('parses for many random serial numbers, and names loopback', () => {
    for (let i = 0; i < 300; i++) {
      const { cert } = selfSignedCertificate('127.0.0.1');
      const x509 = new X509Certificate(cert);
      expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
      expect(x509.ca).toBe(true);
      expect(x509.serialNumber).not.toMatch(/^00/);
    }
  });
});
