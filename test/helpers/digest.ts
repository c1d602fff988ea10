import { createHash } from 'node:crypto'

/** Hex sha256 of some bytes, to compare what was sent with what arrived. */
export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex')
