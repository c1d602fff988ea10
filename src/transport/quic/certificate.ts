import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  X509Certificate,
} from 'node:crypto'
import { describeValue, FieldError, type FieldErrorClass } from '../../errors/field-error.js'

/** A TLS identity for a QUIC listener: PEM key and certificate, and the certificate's SHA-256 fingerprint. */
export interface QuicCertificate {
  key: string
  cert: string
  /** SHA-256 of the certificate's DER bytes, lowercase hex without separators. */
  fingerprint: string
}

// A self-signed certificate is small enough to encode by hand: this keeps start-up at about a
// millisecond and needs neither an openssl binary nor the reflect polyfill @peculiar/x509 wants.
const OID_ECDSA_SHA256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]
const OID_COMMON_NAME = [0x06, 0x03, 0x55, 0x04, 0x03]
const OID_SUBJECT_ALT_NAME = [0x06, 0x03, 0x55, 0x1d, 0x11]

function der(tag: number, body: Uint8Array | number[]): Buffer {
  const content = Buffer.from(body)
  const n = content.length
  let head: number[]
  if (n < 0x80) head = [tag, n]
  else if (n < 0x100) head = [tag, 0x81, n]
  else if (n < 0x10000) head = [tag, 0x82, n >> 8, n & 0xff]
  else head = [tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]
  return Buffer.concat([Buffer.from(head), content])
}

const sequence = (...parts: Uint8Array[]): Buffer => der(0x30, Buffer.concat(parts))

function utcTime(date: Date): Buffer {
  const s = date.toISOString() // YYYY-MM-DDTHH:MM:SS.sssZ
  const text =
    s.slice(2, 4) + s.slice(5, 7) + s.slice(8, 10) + s.slice(11, 13) + s.slice(14, 16) + s.slice(17, 19)
  return der(0x17, Buffer.from(`${text}Z`, 'ascii'))
}

function name(commonName: string): Buffer {
  const attribute = sequence(Buffer.from(OID_COMMON_NAME), der(0x0c, Buffer.from(commonName, 'utf8')))
  return sequence(der(0x31, attribute))
}

function subjectAltNames(): Buffer {
  // dNSName "localhost", iPAddress 127.0.0.1 and ::1: the addresses quicksand nodes listen on.
  const names = Buffer.concat([
    der(0x82, Buffer.from('localhost', 'ascii')),
    der(0x87, [127, 0, 0, 1]),
    der(0x87, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
  ])
  const extension = sequence(Buffer.from(OID_SUBJECT_ALT_NAME), der(0x04, sequence(names)))
  return der(0xa3, sequence(extension))
}

/** Generates a self-signed ECDSA P-256 certificate (valid one year from an hour ago) and its private key. */
export function generateCertificate(commonName = 'quicksand'): QuicCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const spki = publicKey.export({ format: 'der', type: 'spki' })
  const serial = createHash('sha256').update(spki).update(String(Date.now())).digest().subarray(0, 16)
  serial[0] = (serial[0]! & 0x7f) | 0x40 // positive and without a leading zero byte
  const algorithm = sequence(Buffer.from(OID_ECDSA_SHA256))
  const now = Date.now()
  const tbs = sequence(
    der(0xa0, der(0x02, [2])), // version 3
    der(0x02, serial),
    algorithm,
    name(commonName),
    sequence(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 365 * 86_400_000))),
    name(commonName),
    spki,
    subjectAltNames(),
  )
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' })
  const certDer = sequence(tbs, algorithm, der(0x03, Buffer.concat([Buffer.from([0]), signature])))
  return {
    key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    cert: toPem(certDer, 'CERTIFICATE'),
    fingerprint: fingerprintOfDer(certDer),
  }
}

function toPem(body: Buffer, label: string): string {
  const lines = body.toString('base64').match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

/** SHA-256 fingerprint (lowercase hex) of a certificate's DER bytes. */
export function fingerprintOfDer(certDer: Uint8Array): string {
  return createHash('sha256').update(certDer).digest('hex')
}

/** SHA-256 fingerprint (lowercase hex) of the first certificate in a PEM text; throws naming the field when it is not one. */
export function fingerprintOfPem(pem: string, field = 'cert'): string {
  try {
    return fingerprintOfDer(new X509Certificate(pem).raw)
  } catch (error) {
    throw new FieldError(
      field,
      pem,
      'a PEM certificate',
      `${field} must be a PEM certificate, got ${describe(pem)} (${(error as Error).message})`,
    )
  }
}

/** Normalises a user-supplied fingerprint ("AB:CD:..." or "abcd...") to lowercase hex; throws when it is not 32 bytes of hex. */
export function normalizeFingerprint(
  value: unknown,
  field = 'fingerprint',
  ErrorClass: FieldErrorClass = FieldError,
): string {
  const hex = typeof value === 'string' ? value.replace(/[:\s]/g, '').toLowerCase() : ''
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    const rule = 'a SHA-256 fingerprint (64 hex digits, colons allowed)'
    throw new ErrorClass(field, value, rule, `${field} must be ${rule}, got ${describe(value)}`)
  }
  return hex
}

/** The value as describeValue prints it, a long string cut (it may be a whole PEM pasted by mistake). */
function describe(value: unknown): string {
  return describeValue(typeof value === 'string' && value.length > 40 ? `${value.slice(0, 40)}...` : value)
}

/** A value for an error message without dumping key material: its type, or a short prefix of a string. */
function describeShort(value: unknown): string {
  if (typeof value !== 'string') return describeValue(value)
  return value.length > 20 ? `'${value.slice(0, 20)}...' (${value.length} characters)` : describeValue(value)
}

/**
 * The user's `key` and `cert` as a QUIC identity (undefined when neither is given), checked up
 * front: both or neither, PEM text, a certificate that parses, and a key that is the
 * certificate's. A mismatched pair would start a server whose every handshake fails seconds
 * later with nothing naming the cause. Errors are `ErrorClass`, naming the field.
 */
export function userIdentity(
  key: unknown,
  cert: unknown,
  ErrorClass: FieldErrorClass = FieldError,
): QuicCertificate | undefined {
  if (key === undefined && cert === undefined) return undefined
  if (key === undefined || cert === undefined) {
    const given = key === undefined ? 'cert' : 'key'
    const missing = key === undefined ? 'key' : 'cert'
    throw new ErrorClass(
      missing,
      undefined,
      `given with ${given}`,
      `${missing} must be given with ${given} (both or neither)`,
    )
  }
  for (const [field, value] of [
    ['key', key],
    ['cert', cert],
  ] as const) {
    if (typeof value !== 'string' || !value.includes('-----BEGIN ')) {
      throw new ErrorClass(
        field,
        value,
        'a PEM string',
        `${field} must be a PEM string, got ${describeShort(value)}`,
      )
    }
  }
  const pemKey = key as string
  const pemCert = cert as string
  let fingerprint: string
  try {
    fingerprint = fingerprintOfPem(pemCert)
  } catch (error) {
    throw new ErrorClass('cert', pemCert, 'a PEM certificate', (error as Error).message)
  }
  let matches: boolean
  try {
    matches = createPublicKey(createPrivateKey(pemKey)).equals(new X509Certificate(pemCert).publicKey)
  } catch (error) {
    throw new ErrorClass(
      'key',
      pemKey,
      'a PEM private key',
      `key is not a PEM private key: ${(error as Error).message}`,
    )
  }
  if (!matches) {
    throw new ErrorClass(
      'key',
      pemKey,
      "the private key of cert's public key",
      "key must be the private key of cert's public key; this key belongs to another certificate",
    )
  }
  return { key: pemKey, cert: pemCert, fingerprint }
}
