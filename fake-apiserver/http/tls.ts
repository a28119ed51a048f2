/**
 * Serving certificates for the HTTPS front (`lattice-sim serve --tls`): a fresh certificate
 * authority and a serving certificate it signs, for the loopback names (`localhost`, `127.0.0.1`,
 * `::1`), generated with the `selfsigned` package (Node's WebCrypto). The CA goes into the
 * kubeconfig as `certificate-authority-data`, so kubectl and client-node verify the server — and
 * kubectl, which sends bearer tokens only over TLS, authenticates. Wall-clock validity: TLS is
 * outside the simulation.
 */

/** PEM texts of one generated chain. */
export interface ServingCertificate {
  /** The CA certificate (PEM): what clients trust. */
  caCert: string;
  /** The serving certificate (PEM), signed by the CA, SANs localhost, 127.0.0.1, ::1. */
  cert: string;
  /** The serving certificate's private key (PEM, PKCS#8). */
  key: string;
}

/**
 * Generates a CA (EC P-256, valid `days`) and a serving certificate signed by it.
 * @param days validity of both certificates from now. @unit days (wall clock)
 */
export async function generateServingCertificate(days = 365): Promise<ServingCertificate> {
  // selfsigned brings the @peculiar ASN.1 and X.509 modules: loaded by a server that serves TLS only.
  const { generate } = await import('selfsigned');
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + days * 86_400_000);
  const common = { keyType: 'ec' as const, curve: 'P-256' as const, algorithm: 'sha256' as const, notBeforeDate, notAfterDate };
  const ca = await generate([{ name: 'commonName', value: 'lattice-sim-ca' }], {
    ...common,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: 'commonName', value: 'lattice-sim-apiserver' }], {
    ...common,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
  return { caCert: ca.cert, cert: leaf.cert, key: leaf.private };
}
