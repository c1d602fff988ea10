import { afterEach, expect, expectTypeOf, test } from 'vitest'
import { createFabricFixture } from '../../src/fabric/fixture.js'
import type { FabricNode, NodeTuple } from '../../src/fabric/node.js'

const fabric = createFabricFixture()
afterEach(() => fabric.closeAll())

test('nodes(3) gives three nodes typed as a tuple', async () => {
  const nodes = await fabric.nodes(3, { transport: 'tcp' })
  // This line type-checks under noUncheckedIndexedAccess only because the result is a tuple.
  const third: FabricNode = nodes[2]
  expect(nodes).toHaveLength(3)
  expect(new Set(nodes.map((n) => n.port)).size).toBe(3)
  expect(third.url).toBe(`tcp://127.0.0.1:${third.port}`)
  expectTypeOf(nodes).toEqualTypeOf<[FabricNode, FabricNode, FabricNode]>()
  expectTypeOf<NodeTuple<number>>().toEqualTypeOf<FabricNode[]>()
  expectTypeOf<NodeTuple<65>>().toEqualTypeOf<FabricNode[]>()
})

test('nodes() quotes a count given as a string', async () => {
  await expect(fabric.nodes('3' as unknown as number)).rejects.toThrow(
    "fabric.nodes count must be an integer from 1 to 64, got '3'",
  )
  await expect(fabric.nodes(0)).rejects.toThrow('fabric.nodes count must be an integer from 1 to 64, got 0')
})
