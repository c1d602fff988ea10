import type { ToxicType } from './toxic.js'

/** noop: passes everything on unchanged; toxiproxy registers it as a type like any other. */
export const noopToxic: ToxicType = {
  type: 'noop',
  defaults: {},
  toImpairment: () => null,
}
