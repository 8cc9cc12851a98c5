/** The three subgraph SDLs compose into one federation-v2 supergraph, the way the gateway composes them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import { buildSchema, isObjectType } from 'graphql';
import { loadSubgraphTypeDefs } from '../../subgraphs/common/index.ts';

void describe('subgraph SDL composition', () => {
  void it('composes trips, payments and metrics without errors', () => {
    const result = composeServices(['trips', 'payments', 'metrics'].map((name) => ({ name, typeDefs: loadSubgraphTypeDefs(name), url: `http://${name}/graphql` })));
    if (compositionHasErrors(result)) assert.fail(result.errors.map((e) => e.message).join('\n'));
    const api = buildSchema(result.publicSdl);
    const trip = api.getType('Trip');
    assert.ok(isObjectType(trip));
    // Trip is owned by trips and extended with payments by the payments subgraph
    assert.ok(trip.getFields()['driver'] && trip.getFields()['payments']);
    const payment = api.getType('Payment');
    assert.ok(isObjectType(payment) && payment.getFields()['region']);
    assert.ok(api.getSubscriptionType()?.getFields()['regionAggregates']);
    assert.ok(api.getQueryType()?.getFields()['revenuePerDay']);
  });

  void it('composes every subgraph of the platform, the lake subgraph included', () => {
    const names = ['trips', 'payments', 'features', 'models', 'metrics', 'lake'];
    const result = composeServices(names.map((name) => ({ name, typeDefs: loadSubgraphTypeDefs(name), url: `http://${name}/graphql` })));
    if (compositionHasErrors(result)) assert.fail(result.errors.map((e) => e.message).join('\n'));
    const api = buildSchema(result.publicSdl);
    for (const f of ['pipelineRuns', 'lakeTables', 'lakeTable', 'lineage', 'qualityRuns']) assert.ok(api.getQueryType()?.getFields()[f], f);
    assert.ok(api.getMutationType()?.getFields()['runPipeline']);
    assert.ok(api.getSubscriptionType()?.getFields()['alerts']);
  });
});
