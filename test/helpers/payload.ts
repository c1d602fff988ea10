/** Deterministic test payload of `size` bytes; a different `salt` gives different bytes. */
export function payload(size: number, salt = 1): Buffer {
  const buffer = Buffer.alloc(size)
  let x = salt * 2654435761
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    buffer[i] = x >>> 24
  }
  return buffer
}
