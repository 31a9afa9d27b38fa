import { describe, expect, it } from 'vitest'
import { asyncApiOutline, graphqlOutline } from './apiOutline'

describe('API outlines', () => {
  it('lists AsyncAPI 2 channels with their operations', () => {
    const outline = asyncApiOutline({
      asyncapi: '2.6.0',
      info: { title: 'Orders events', version: '1.2.0' },
      channels: {
        'orders/created': { subscribe: { summary: 'An order was placed', message: { name: 'OrderCreated' } } },
        'orders/cancel': { publish: { message: { $ref: '#/components/messages/CancelOrder' } } },
      },
    })
    expect(outline.title).toBe('Orders events')
    expect(outline.channels).toEqual([
      { name: 'orders/created', operations: [{ action: 'subscribe', message: 'OrderCreated', summary: 'An order was placed' }] },
      { name: 'orders/cancel', operations: [{ action: 'publish', message: 'CancelOrder', summary: null }] },
    ])
  })

  it('lists AsyncAPI 3 channels by address with the operations that use them', () => {
    const outline = asyncApiOutline({
      asyncapi: '3.0.0',
      info: { title: 'Ledger' },
      channels: { entries: { address: 'ledger.entries', messages: { Entry: {} } } },
      operations: { onEntry: { action: 'receive', channel: { $ref: '#/channels/entries' } } },
    })
    expect(outline.channels).toEqual([
      { name: 'ledger.entries', operations: [{ action: 'receive', message: 'Entry', summary: null }] },
    ])
  })

  it('outlines a GraphQL schema, and gives up on one that does not parse', () => {
    const types = graphqlOutline('type Query { order(id: ID!): Order }\ntype Order { id: ID! total: Float }\nenum State { OPEN CLOSED }')
    expect(types).toEqual([
      { kind: 'type', name: 'Query', fields: ['order'] },
      { kind: 'type', name: 'Order', fields: ['id', 'total'] },
      { kind: 'enum', name: 'State', fields: ['OPEN', 'CLOSED'] },
    ])
    expect(graphqlOutline('type {')).toBeNull()
  })
})
